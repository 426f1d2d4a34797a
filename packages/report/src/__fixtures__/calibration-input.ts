import type { CalibrationPoint, CalibrationReportInputInput, Phase } from '../calibration-report-input.ts';
import { splitwiseLlama70bH100Tp8 } from './shared-data.ts';

// Llama-2-70B config.json: hidden 8192, 80 layers, 64 query / 8 KV heads of 128, MLP 28672, vocab 32000.
const HIDDEN = 8192;
const LAYERS = 80;
const KV_DIM = 8 * 128;
const INTERMEDIATE = 28672;
const VOCAB = 32000;
const TP = 8;
const LAYER_PARAMS = 2 * HIDDEN * HIDDEN + 2 * HIDDEN * KV_DIM + 3 * HIDDEN * INTERMEDIATE;
/** Weights a token passes through: every layer and the LM head (the embedding is a lookup). */
const MATMUL_PARAMS = LAYERS * LAYER_PARAMS + HIDDEN * VOCAB;
const ALL_PARAMS = MATMUL_PARAMS + HIDDEN * VOCAB;
/** NVIDIA H100 SXM datasheet: 989.4 dense BF16 TFLOP/s, 3.35 TB/s HBM3. */
const H100_PEAK_FLOPS = 989.4e12;
const H100_BANDWIDTH = 3.35e12;

/** Per-GPU FLOPs and bytes of one step: weight matmuls, causal attention, bf16 weights and KV reads. */
function prefillWork(batch: number, promptTokens: number) {
  const tokens = batch * promptTokens;
  const flops = 2 * MATMUL_PARAMS * tokens + batch * LAYERS * 2 * promptTokens * promptTokens * HIDDEN;
  const bytes = 2 * ALL_PARAMS + tokens * LAYERS * 2 * KV_DIM * 2;
  return { flops: flops / TP, bytes: bytes / TP };
}

function decodeWork(batch: number, contextTokens: number) {
  const flops = 2 * MATMUL_PARAMS * batch + batch * LAYERS * 4 * contextTokens * HIDDEN;
  const bytes = 2 * ALL_PARAMS + batch * contextTokens * LAYERS * 2 * KV_DIM * 2;
  return { flops: flops / TP, bytes: bytes / TP };
}

/**
 * Real Splitwise measurements of Llama-2-70B on DGX-H100 at TP8 as calibration points. The
 * "fitted" roofs are the upper envelope of each phase's attained FLOP/s and bytes/s, a crude
 * stand-in computed here so that predictions, errors and fit figures are real arithmetic on real
 * data; they are not the calibration package's estimator.
 */
export function buildCalibrationInput(): CalibrationReportInputInput {
  const measured = splitwiseLlama70bH100Tp8();
  const raw: { phase: Phase; label: string; flops: number; bytes: number; measuredMs: number }[] = [
    ...measured.promptMsByPromptTokens.map(({ key, ms }) => ({ phase: 'prefill' as const, label: `prefill 1×${key}`, ...prefillWork(1, key), measuredMs: ms })),
    ...measured.promptMsByBatch.filter(({ key }) => key > 1).map(({ key, ms }) => ({ phase: 'prefill' as const, label: `prefill ${key}×512`, ...prefillWork(key, 512), measuredMs: ms })),
    // Mean context over 128 output tokens after a 512-token prompt.
    ...measured.tokenMsByBatch.map(({ key, ms }) => ({ phase: 'decode' as const, label: `decode batch ${key}, ctx 576`, ...decodeWork(key, 576), measuredMs: ms })),
  ];
  const roofs = Object.fromEntries(
    (['prefill', 'decode'] as const).map((phase) => {
      const mine = raw.filter((p) => p.phase === phase);
      return [phase, {
        flopsPerSecond: Math.max(...mine.map((p) => p.flops / (p.measuredMs / 1000))),
        bandwidthBytesPerSecond: Math.max(...mine.map((p) => p.bytes / (p.measuredMs / 1000))),
      }];
    }),
  ) as Record<Phase, { flopsPerSecond: number; bandwidthBytesPerSecond: number }>;
  const points: CalibrationPoint[] = raw.map((p) => {
    const roof = roofs[p.phase];
    return {
      phase: p.phase,
      label: p.label,
      arithmeticIntensityFlopsPerByte: p.flops / p.bytes,
      attainedFlopsPerSecond: p.flops / (p.measuredMs / 1000),
      measuredMs: p.measuredMs,
      predictedMs: Math.max(p.flops / roof.flopsPerSecond, p.bytes / roof.bandwidthBytesPerSecond) * 1000,
    };
  });
  const fit = (['prefill', 'decode'] as const).map((phase) => {
    const mine = points.filter((p) => p.phase === phase);
    const errors = mine.map((p) => Math.abs(p.predictedMs - p.measuredMs) / p.measuredMs);
    const meanMs = mine.reduce((s, p) => s + p.measuredMs, 0) / mine.length;
    const ssRes = mine.reduce((s, p) => s + (p.measuredMs - p.predictedMs) ** 2, 0);
    const ssTot = mine.reduce((s, p) => s + (p.measuredMs - meanMs) ** 2, 0);
    return {
      phase,
      mape: errors.reduce((s, e) => s + e, 0) / errors.length,
      r2: 1 - ssRes / ssTot,
      points: mine.length,
      maxAbsoluteRelativeError: Math.max(...errors),
    };
  });
  return {
    title: 'Calibration: Llama-2-70B on DGX-H100, TP8',
    subtitle: 'Fixture for the report\'s tests: Splitwise measurements with envelope roofs computed in the fixture.',
    configuration: [
      { key: 'model', value: 'meta-llama/Llama-2-70b-hf' },
      { key: 'tensor_parallel_size', value: TP },
      { key: 'dtype', value: 'bfloat16' },
      { key: 'source', value: 'Mutinifni/splitwise-sim data/perf_model.csv' },
    ],
    xpu: { name: 'H100-SXM', peakFlopsPerSecond: H100_PEAK_FLOPS, bandwidthBytesPerSecond: H100_BANDWIDTH },
    fitted: roofs,
    points,
    fit,
  };
}
