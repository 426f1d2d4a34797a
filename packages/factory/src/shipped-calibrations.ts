import a100Kernels from '../../../benchmark_data/calibration/a100-80gb/kernels.json' with { type: 'json' };
import a100Tp2 from '../../../benchmark_data/calibration/a100-80gb/llama-2-70b_tp2_roofline.json' with { type: 'json' };
import a100Tp4 from '../../../benchmark_data/calibration/a100-80gb/llama-2-70b_tp4_roofline.json' with { type: 'json' };
import a100Tp8 from '../../../benchmark_data/calibration/a100-80gb/llama-2-70b_tp8_roofline.json' with { type: 'json' };
import h100Kernels from '../../../benchmark_data/calibration/h100-sxm/kernels.json' with { type: 'json' };
import h100Tp2 from '../../../benchmark_data/calibration/h100-sxm/llama-2-70b_tp2_roofline.json' with { type: 'json' };
import h100Tp4 from '../../../benchmark_data/calibration/h100-sxm/llama-2-70b_tp4_roofline.json' with { type: 'json' };
import h100Tp8 from '../../../benchmark_data/calibration/h100-sxm/llama-2-70b_tp8_roofline.json' with { type: 'json' };
import h200Kernels from '../../../benchmark_data/calibration/h200/kernels.json' with { type: 'json' };
import l40sKernels from '../../../benchmark_data/calibration/l40s/kernels.json' with { type: 'json' };
import azureMicrobenchmarks from '../../../benchmark_data/raw/microbenchmarks/azure-ai-benchmarking-guide.json' with { type: 'json' };
import {
  parseCalibrationFile,
  parseKernelCalibration,
  toEffectiveRoofline,
  toKernelProfile,
  type RooflineParameters,
  type KernelCalibration,
} from '@llm-sim/calibration';
import { getXpu, peakFlopsFor, type AchievedRelative, type ModelSpec, type ParallelismSpec, type XpuSpec } from '@llm-sim/roofline';
import { z } from 'zod';
import { FactoryError } from './errors.ts';

/**
 * The calibrations this package ships, bundled at build time, by their path in the repository:
 * deployment-level files (format 1: one model, xpu and TP) and operator-level files (format 2: one xpu, any model).
 */
const SHIPPED: Readonly<Record<string, unknown>> = {
  'benchmark_data/calibration/a100-80gb/llama-2-70b_tp2_roofline.json': a100Tp2,
  'benchmark_data/calibration/a100-80gb/llama-2-70b_tp4_roofline.json': a100Tp4,
  'benchmark_data/calibration/a100-80gb/llama-2-70b_tp8_roofline.json': a100Tp8,
  'benchmark_data/calibration/h100-sxm/llama-2-70b_tp2_roofline.json': h100Tp2,
  'benchmark_data/calibration/h100-sxm/llama-2-70b_tp4_roofline.json': h100Tp4,
  'benchmark_data/calibration/h100-sxm/llama-2-70b_tp8_roofline.json': h100Tp8,
  'benchmark_data/calibration/a100-80gb/kernels.json': a100Kernels,
  'benchmark_data/calibration/h100-sxm/kernels.json': h100Kernels,
  'benchmark_data/calibration/h200/kernels.json': h200Kernels,
  'benchmark_data/calibration/l40s/kernels.json': l40sKernels,
};

/**
 * For xpus whose kernels nobody has published measurements of: the measured xpu whose kernel efficiencies
 * they borrow (each kernel keeps its efficiency against the spec-sheet roofline), and why that one.
 */
export const TRANSFERRED_XPUS: Readonly<Record<string, { readonly from: string; readonly why: string }>> = {
  'a100-40gb': { from: 'a100-80gb', why: 'the same Ampere GPU with HBM2 instead of HBM2e' },
  'h100-pcie': { from: 'h100-sxm', why: 'the same Hopper GPU at lower clocks, bandwidth and power' },
  b200: { from: 'h200', why: 'no Blackwell kernels measured; the nearest HBM3e + NVLink xpu' },
  gb200: { from: 'h200', why: 'no Blackwell kernels measured; the nearest HBM3e + NVLink xpu' },
  gb10: { from: 'l40s', why: 'no GB10 kernels measured; the nearest measured GPU with GeForce-class tensor cores and no HBM' },
  l4: { from: 'l40s', why: 'the same Ada Lovelace generation' },
  mi300x: { from: 'h200', why: 'no AMD kernels measured; the nearest HBM3-class flagship of the same era (least certain transfer)' },
};

const MicrobenchmarksSchema = z.strictObject({
  source: z.strictObject({ title: z.string(), publisher: z.string(), licence: z.string(), commit: z.string(), method: z.string() }),
  devices: z.record(
    z.string(),
    z.strictObject({
      url: z.url(),
      machine: z.string(),
      gemm_fp8_tflops: z.record(z.string(), z.number().positive()),
      hbm_tbps: z.strictObject({ copy: z.number().positive(), mul: z.number().positive(), add: z.number().positive(), triad: z.number().positive() }),
      allreduce_busbw_gbps: z.record(z.string(), z.number().positive()),
    }),
  ),
});
const MICROBENCHMARKS = MicrobenchmarksSchema.parse(azureMicrobenchmarks);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * What an xpu sustains of its spec sheet, measured by one harness on every machine (Azure's AI-benchmarking-guide):
 * large FP8 GEMMs over the FP8 peak, and the mean of the STREAM-like kernels over the memory bandwidth.
 */
export function achievedFractions(xpuName: string): { compute: number; memory: number } | undefined {
  const d = MICROBENCHMARKS.devices[xpuName];
  if (!d) return undefined;
  const xpu = getXpu(xpuName);
  return {
    compute: (mean(Object.values(d.gemm_fp8_tflops)) * 1e12) / peakFlopsFor(xpu, 'fp8'),
    memory: (mean(Object.values(d.hbm_tbps)) * 1e12) / xpu.memoryBandwidthBytesPerSecond,
  };
}

/**
 * How much more (or less) of its spec sheet `target` sustains than `from`, where both were measured by the same
 * microbenchmarks; 1 and 1 (efficiencies carried over unchanged) where either was not.
 */
export function achievedRelative(target: string, from: string): AchievedRelative {
  const t = achievedFractions(target);
  const f = achievedFractions(from);
  if (!t || !f) return { compute: 1, memory: 1 };
  const collective = allReduceSlowdown(target, from);
  return { compute: t.compute / f.compute, memory: t.memory / f.memory, ...(collective !== undefined ? { collective } : {}) };
}

/**
 * How many times longer `target`'s all-reduce takes than `from`'s over the messages of decode and small prefill
 * steps (8 KB to 2 MB): the geometric mean of the ratio of their measured bus bandwidths at each size both list.
 */
function allReduceSlowdown(target: string, from: string): number | undefined {
  const t = MICROBENCHMARKS.devices[target]?.allreduce_busbw_gbps;
  const f = MICROBENCHMARKS.devices[from]?.allreduce_busbw_gbps;
  if (!t || !f) return undefined;
  const sizes = Object.keys(f).filter((k) => t[k] !== undefined);
  if (sizes.length === 0) return undefined;
  return Math.exp(mean(sizes.map((k) => Math.log(f[k] / t[k]))));
}

export type ShippedCalibration =
  | { readonly kind: 'deployment'; readonly path: string; readonly parameters: RooflineParameters; readonly label: string }
  | {
      readonly kind: 'xpu-kernels';
      readonly path: string;
      readonly calibration: KernelCalibration;
      readonly transferredFrom: string | undefined;
      /** For a transferred file: what the target sustains relative to the measured xpu (1 and 1 when unknown). */
      readonly achievedRelative: AchievedRelative;
      readonly label: string;
    };

/** The shipped format-2 calibration of a measured xpu, parsed. */
function kernelsOf(xpu: string): { path: string; calibration: KernelCalibration } | undefined {
  const path = `benchmark_data/calibration/${xpu}/kernels.json`;
  const json = SHIPPED[path];
  return json === undefined ? undefined : { path, calibration: parseKernelCalibration(json, path) };
}

/**
 * The calibration `vllm_roofline` uses when none is given: the deployment-level file of exactly this model,
 * xpu, TP and PP if one is shipped; else the xpu's operator-level file; else that of the nearest measured
 * xpu (TRANSFERRED_XPUS). An xpu with neither (a custom xpu file) is refused with what to do.
 */
export function selectShippedCalibration(model: ModelSpec, xpu: XpuSpec, parallelism: Pick<ParallelismSpec, 'tp' | 'pp'>): ShippedCalibration {
  for (const [path, json] of Object.entries(SHIPPED)) {
    if (!path.endsWith('_roofline.json')) continue;
    const parameters = parseCalibrationFile(JSON.stringify(json), path);
    if (parameters.model === model.name && parameters.xpu === xpu.name && parameters.tp === parallelism.tp && parameters.pp === parallelism.pp) {
      return { kind: 'deployment', path, parameters, label: `${path} (shipped, fitted to this model, xpu and tp)` };
    }
  }
  const own = kernelsOf(xpu.name);
  if (own) return { kind: 'xpu-kernels', ...own, transferredFrom: undefined, achievedRelative: { compute: 1, memory: 1 }, label: `${own.path} (shipped, kernels measured on ${xpu.name})` };
  const transfer = TRANSFERRED_XPUS[xpu.name];
  const borrowed = transfer ? kernelsOf(transfer.from) : undefined;
  if (transfer && borrowed) {
    const relative = achievedRelative(xpu.name, transfer.from);
    const scaled =
      relative.compute !== 1 || relative.memory !== 1
        ? `; scaled by what ${xpu.name} sustains relative to ${transfer.from} in the same microbenchmarks: ${relative.compute.toFixed(3)}x compute, ${relative.memory.toFixed(3)}x bandwidth${relative.collective !== undefined ? `, ${relative.collective.toFixed(2)}x all-reduce time` : ''} (benchmark_data/raw/microbenchmarks/)`
        : '';
    return {
      kind: 'xpu-kernels',
      ...borrowed,
      transferredFrom: transfer.from,
      achievedRelative: relative,
      label: `${borrowed.path} (shipped; no kernels measured on ${xpu.name}: efficiencies transferred from ${transfer.from}, ${transfer.why}${scaled})`,
    };
  }
  throw new FactoryError(
    'INVALID_CONFIG',
    `no shipped calibration for xpu '${xpu.name}'; pass --calibration-data FILE (llm-sim calibrate makes one), or use --performance-model roofline`,
  );
}

/** Whether `selectShippedCalibration` finds a calibration for this xpu (then vllm_roofline is the default). */
export function hasShippedCalibration(xpuName: string): boolean {
  return kernelsOf(xpuName) !== undefined || TRANSFERRED_XPUS[xpuName] !== undefined;
}

export { toEffectiveRoofline, toKernelProfile };

/** The repository paths of the shipped calibrations, for pickers (the web app lists them). */
export const SHIPPED_CALIBRATION_PATHS: readonly string[] = Object.keys(SHIPPED);

/**
 * Reads a shipped calibration by its repository path from the bundled copy, as a `ReadTextFile` would read it from
 * disk; undefined for any other path. Lets a runtime without files (the browser) pass `calibration_data_path` as
 * the CLI does, with the same result.
 */
export function readShippedCalibration(path: string): string | undefined {
  const json = SHIPPED[path.replace(/^\.\//, '')];
  return json === undefined ? undefined : JSON.stringify(json);
}
