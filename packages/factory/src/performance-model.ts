import {
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

export interface CreatePerformanceModelOptions {
  readonly model: ModelSpec;
  readonly xpu: XpuSpec;
  readonly parallelism?: Partial<ParallelismSpec>;
  readonly dtypes?: Partial<DtypeConfig>;
  /** For `vllm_roofline`: the calibration JSON's path. */
  readonly calibrationDataPath?: string;
  readonly readTextFile: ReadTextFile;
}

/**
 * The seeds' create_performance_model: `roofline` prices steps with the spec sheet's peaks,
 * `vllm_roofline` with the effective figures of a calibration file for this model, xpu and tp.
 * A missing, malformed or mismatched calibration is an error, never a silent fallback.
 */
export async function createPerformanceModel(
  type: PerformanceModelType,
  options: CreatePerformanceModelOptions,
): Promise<RooflinePerformanceModel> {
  const { model, xpu, parallelism, dtypes } = options;
  switch (type) {
    case 'roofline':
      return new RooflinePerformanceModel({ model, xpu, parallelism, dtypes });
    case 'vllm_roofline': {
      if (!options.calibrationDataPath) {
        throw new FactoryError(
          'INVALID_CONFIG',
          "--performance-model vllm_roofline needs --calibration-data FILE (performance_model.calibration_data_path)",
        );
      }
      const { efficiency } = await loadCalibration(options.calibrationDataPath, options.readTextFile, {
        model: model.name,
        xpu: xpu.name,
        tp: parallelism?.tp ?? 1,
      });
      return new VLLMRooflineModel({ model, xpu, parallelism, dtypes, efficiency });
    }
    default:
      throw new FactoryError('UNKNOWN_PERFORMANCE_MODEL', `unknown performance model '${String(type)}'; known: roofline, vllm_roofline`);
  }
}
