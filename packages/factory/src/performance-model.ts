import { toEffectiveRoofline, toKernelProfile } from '@llm-sim/calibration';
import {
  KernelCalibratedModel,
  modelDtypes,
  RooflinePerformanceModel,
  VLLMRooflineModel,
  type DtypeConfig,
  type ModelSpec,
  type ParallelismSpec,
  type XpuSpec,
} from '@llm-sim/roofline';
import { loadCalibration } from './calibration-file.ts';
import type { PerformanceModelType } from './config.ts';
import type { ReadTextFile } from './file-access.ts';
import { FactoryError } from './errors.ts';
import { achievedRelative, selectShippedCalibration } from './shipped-calibrations.ts';

/** The deployment a performance model prices: model, xpu, parallelism, dtypes and, for `vllm_roofline`, a calibration. */
export interface CreatePerformanceModelOptions {
  readonly model: ModelSpec;
  readonly xpu: XpuSpec;
  readonly parallelism?: Partial<ParallelismSpec>;
  readonly dtypes?: Partial<DtypeConfig>;
  /** For `vllm_roofline`: the calibration JSON's path; without it, the shipped calibration for the xpu. */
  readonly calibrationDataPath?: string;
  readonly readTextFile: ReadTextFile;
}

/**
 * The seeds' create_performance_model: `roofline` prices steps with the spec sheet's peaks, `vllm_roofline`
 * with a calibration. That is the file given (format 1: effective figures of one model, xpu and tp, checked
 * to match; format 2: measured kernels of one xpu, for any model), or without one the shipped calibration for
 * the deployment (see selectShippedCalibration). The model's describe() names the file used and how it was
 * chosen. A missing, malformed or mismatched file is an error, never a silent fallback.
 */
export async function createPerformanceModel(
  type: PerformanceModelType,
  options: CreatePerformanceModelOptions,
): Promise<RooflinePerformanceModel> {
  // A calibration file is read afresh every time (it may change between runs); everything else the model
  // depends on is in the key.
  if (options.calibrationDataPath !== undefined) return buildPerformanceModel(type, options);
  const { model, xpu, parallelism, dtypes } = options;
  const key = JSON.stringify([type, model, xpu, parallelism ?? null, dtypes ?? null]);
  const known = BUILT_MODELS.get(key);
  if (known) return known;
  const built = await buildPerformanceModel(type, options);
  if (BUILT_MODELS.size >= BUILT_MODELS_KEPT) BUILT_MODELS.delete(BUILT_MODELS.keys().next().value!);
  BUILT_MODELS.set(key, built);
  return built;
}

/**
 * Models already built, by everything they depend on: a capacity search simulates one deployment at a dozen
 * rates and a search space repeats each layout under several scheduler settings; rebuilding parsed the
 * shipped calibrations and prepared the kernel tables every time, and threw away the kernel prices the model
 * had remembered. A model prices a step the same whatever it priced before (its memos are exact).
 */
const BUILT_MODELS = new Map<string, RooflinePerformanceModel>();
const BUILT_MODELS_KEPT = 64;

async function buildPerformanceModel(type: PerformanceModelType, options: CreatePerformanceModelOptions): Promise<RooflinePerformanceModel> {
  const { model, xpu, parallelism, dtypes } = options;
  switch (type) {
    case 'roofline':
      return new RooflinePerformanceModel({ model, xpu, parallelism, dtypes });
    case 'vllm_roofline': {
      const tp = parallelism?.tp ?? 1;
      const pp = parallelism?.pp ?? 1;
      if (!options.calibrationDataPath) {
        const shipped = selectShippedCalibration(model, xpu, { tp, pp });
        if (shipped.kind === 'deployment') {
          return new VLLMRooflineModel({ model, xpu, parallelism, dtypes, efficiency: toEffectiveRoofline(shipped.parameters), calibrationSource: shipped.label });
        }
        return new KernelCalibratedModel({
          model,
          xpu,
          parallelism,
          dtypes,
          ...toKernelProfile(shipped.calibration),
          achievedRelative: shipped.achievedRelative,
          calibrationSource: shipped.label,
        });
      }
      const path = options.calibrationDataPath;
      const weights = modelDtypes(model, dtypes).weights;
      const loaded = await loadCalibration(path, options.readTextFile, { model: model.name, xpu: xpu.name, tp, pp, dtype: weights });
      if (loaded.kind === 'xpu-kernels') {
        const measuredOn = loaded.calibration.xpu;
        return new KernelCalibratedModel({
          model,
          xpu,
          parallelism,
          dtypes,
          ...toKernelProfile(loaded.calibration),
          ...(measuredOn !== xpu.name ? { achievedRelative: achievedRelative(xpu.name, measuredOn) } : {}),
          calibrationSource: path,
        });
      }
      return new VLLMRooflineModel({ model, xpu, parallelism, dtypes, efficiency: loaded.efficiency, calibrationSource: path });
    }
    default:
      throw new FactoryError('UNKNOWN_PERFORMANCE_MODEL', `unknown performance model '${String(type)}'; known: roofline, vllm_roofline`);
  }
}
