import { readFile } from 'node:fs/promises';
import { decodeBatch, getModel, getXpu, KernelCalibratedModel, prefillBatch, RooflinePerformanceModel } from '@llm-sim/roofline';
import { importBenchmarkFile, aggregateRepeats } from '@llm-sim/benchmark';
import { describe, expect, it } from 'vitest';
import { createPerformanceModel } from './performance-model.ts';
import { toKernelProfile } from './shipped-calibrations.ts';
import { achievedFractions, achievedRelative, selectShippedCalibration, TRANSFERRED_XPUS } from './shipped-calibrations.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');
const create = (model: string, xpu: string, tp = 1) =>
  createPerformanceModel('vllm_roofline', { model: getModel(model), xpu: getXpu(xpu), parallelism: { tp }, readTextFile });

describe('vllm_roofline without --calibration-data', () => {
  it('picks the deployment-level file where one matches model, xpu and tp, and names it', async () => {
    const perf = await create('llama-2-70b', 'h100', 4);
    expect(perf.describe()).toMatch(/calibration benchmark_data\/calibration\/h100-sxm\/llama-2-70b_tp4_roofline.json \(shipped, fitted to this model, xpu and tp\)/);
  });

  it("picks the xpu's measured kernels for any other model, and names the file", async () => {
    const perf = await create('llama-3.1-8b', 'h200');
    expect(perf).toBeInstanceOf(KernelCalibratedModel);
    expect(perf.describe()).toMatch(/calibration benchmark_data\/calibration\/h200\/kernels.json \(shipped, kernels measured on h200\)/);
  });

  it.each(Object.entries(TRANSFERRED_XPUS))('transfers %s from its nearest measured xpu and says so', async (xpu, { from }) => {
    const shipped = selectShippedCalibration(getModel('llama-3.1-8b'), getXpu(xpu), { tp: 1, pp: 1 });
    expect(shipped.kind).toBe('xpu-kernels');
    expect(shipped.label).toContain(`efficiencies transferred from ${from}`);
    const perf = await create('llama-3.1-8b', xpu);
    expect(perf.describe()).toContain(`efficiencies transferred from ${from}`);
  });

  it('a transferred xpu keeps the measured efficiencies: an A100-40GB decode takes the A100-80GB time scaled by their bandwidths', async () => {
    const a40 = await create('llama-3.1-8b', 'a100-40gb');
    const a80 = await create('llama-3.1-8b', 'a100-80gb');
    const batch = decodeBatch(1, 1024);
    // Weight streaming dominates a batch-1 decode: 2039 / 1555 GB/s.
    const ratio = a40.stepSeconds(batch) / a80.stepSeconds(batch);
    expect(ratio).toBeGreaterThan(1.2);
    expect(ratio).toBeLessThan(2039 / 1555 + 0.01);
  });

  it('MI300X borrows H200 kernels scaled by what the same microbenchmarks measured on both (Azure AI-benchmarking-guide)', async () => {
    // Large FP8 GEMMs sustain 65% of the H200's FP8 peak and 43% of the MI300X's; STREAM-like kernels 85% and 79%
    // of their memory bandwidth; RCCL's all-reduce moves about half of NCCL's bus bandwidth at 8 KB-2 MB.
    expect(achievedFractions('h200')!.compute).toBeCloseTo(0.651, 3);
    expect(achievedFractions('mi300x')!.compute).toBeCloseTo(0.433, 3);
    expect(achievedFractions('h200')!.memory).toBeCloseTo(0.853, 3);
    expect(achievedFractions('mi300x')!.memory).toBeCloseTo(0.786, 3);
    const relative = achievedRelative('mi300x', 'h200');
    expect(relative.compute).toBeCloseTo(0.665, 3);
    expect(relative.memory).toBeCloseTo(0.921, 3);
    expect(relative.collective).toBeCloseTo(1.943, 3);
    expect(selectShippedCalibration(getModel('llama-3.1-8b'), getXpu('mi300x'), { tp: 1, pp: 1 }).label).toContain('0.665x compute, 0.921x bandwidth, 1.94x all-reduce time');
    // Without microbenchmarks of both xpus the efficiencies carry over unchanged.
    expect(achievedRelative('gb10', 'l40s')).toEqual({ compute: 1, memory: 1 });
    // A weight-streaming decode on MI300X takes 1/0.921 of the unscaled transfer.
    const model = getModel('llama-3.1-8b');
    const shipped = selectShippedCalibration(model, getXpu('mi300x'), { tp: 1, pp: 1 });
    if (shipped.kind !== 'xpu-kernels') throw new Error('expected kernels');
    const { profile } = toKernelProfile(shipped.calibration);
    const overhead = { perStepSeconds: 0, perSequenceSeconds: 0 };
    const scaled = new KernelCalibratedModel({ model, xpu: getXpu('mi300x'), profile, overhead, achievedRelative: relative });
    const unscaled = new KernelCalibratedModel({ model, xpu: getXpu('mi300x'), profile, overhead });
    const batch = decodeBatch(1, 512);
    expect(scaled.stepSeconds(batch) / unscaled.stepSeconds(batch)).toBeGreaterThan(1.05);
    expect(scaled.stepSeconds(batch) / unscaled.stepSeconds(batch)).toBeLessThan(1 / 0.921 + 1e-9);
    // All-reduces of a TP8 decode step take 1.94x the H200's measured time.
    const tp8 = { tp: 8 };
    const comm = (m: KernelCalibratedModel) => m.stepTime(batch).breakdown.find((o) => o.op === 'communication')!.seconds;
    const h200 = new KernelCalibratedModel({ model, xpu: getXpu('h200'), parallelism: tp8, profile, overhead });
    const mi300x = new KernelCalibratedModel({ model, xpu: getXpu('mi300x'), parallelism: tp8, profile, overhead, achievedRelative: relative });
    expect(comm(mi300x) / comm(h200)).toBeCloseTo(1.943, 3);
  });

  it('refuses achieved fractions on a profile measured on the xpu itself', () => {
    const model = getModel('llama-3.1-8b');
    const shipped = selectShippedCalibration(model, getXpu('h200'), { tp: 1, pp: 1 });
    if (shipped.kind !== 'xpu-kernels') throw new Error('expected kernels');
    const { profile, overhead } = toKernelProfile(shipped.calibration);
    expect(() => new KernelCalibratedModel({ model, xpu: getXpu('h200'), profile, overhead, achievedRelative: { compute: 0.9, memory: 1 } })).toThrow(
      /only to a profile transferred/,
    );
  });

  it('prices the kernels of every step above the spec-sheet roofline (kernels never beat the peaks) and within 3x of it', async () => {
    for (const [model, xpu, tp] of [['llama-3.1-8b', 'h100', 1], ['llama-3.1-70b', 'h200', 4], ['llama-3.1-8b', 'l40s', 1], ['llama-2-7b', 'a100', 1]] as const) {
      const kernels = await create(model, xpu, tp);
      const peak = new RooflinePerformanceModel({ model: getModel(model), xpu: getXpu(xpu), parallelism: { tp } });
      for (const batch of [decodeBatch(1, 512), decodeBatch(64, 2048), prefillBatch(1, 2048), prefillBatch(8, 512)]) {
        const step = kernels.stepTime(batch);
        const kernelSeconds = step.totalSeconds - (step.breakdown.find((o) => o.op === 'overhead')?.seconds ?? 0);
        expect(kernelSeconds).toBeGreaterThan(peak.stepSeconds(batch));
        expect(kernelSeconds).toBeLessThan(3 * peak.stepSeconds(batch));
      }
    }
  });
});

describe('step level: Splitwise H100 TP4 (never fitted by the operator-level files)', () => {
  it('the auto-picked calibration predicts the Splitwise H100 TP4 steps within 5% (MAPE), all but the batch-64 decode', async () => {
    const text = await readFile(new URL('../../../benchmark_data/raw/splitwise/perf_model.csv', import.meta.url), 'utf8');
    const points = aggregateRepeats(importBenchmarkFile(text, 'perf_model.csv').filter((p) => p.model === 'llama-2-70b' && p.xpu === 'h100-sxm' && p.tp === 4));
    const perf = await create('llama-2-70b', 'h100', 4);
    const errors = points.map((p) => {
      const batch = p.phase === 'prefill' ? prefillBatch(p.batchSize, p.inputLen) : decodeBatch(p.batchSize, p.contextLen);
      return perf.stepSeconds(batch) * 1000 / p.latencyMs - 1;
    });
    expect(points.length).toBe(10);
    // All but the batch-64 decode, which alone would set the decode FLOP/s: held, it is under-predicted.
    const b64 = points.findIndex((p) => p.phase === 'decode' && p.batchSize === 64);
    expect(errors[b64]).toBeLessThan(-0.25);
    const rest = errors.filter((_, i) => i !== b64);
    expect(rest.reduce((s, e) => s + Math.abs(e), 0) / rest.length).toBeLessThan(0.05);
  });
});

describe('decode runs', () => {
  it('the kernel-priced model answers decode runs one step at a time, at exactly its step price', async () => {
    const perf = await create('llama-3.1-8b', 'h100');
    const batch = decodeBatch(16, 700);
    const run = perf.decodeRun(batch, 50);
    expect(run.steps).toBe(1);
    expect(run.firstStepSeconds).toBe(perf.stepSeconds(batch));
  });
});
