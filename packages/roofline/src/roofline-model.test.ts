import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getModel, listModels } from './model-catalog.ts';
import { countParameters } from './model-spec.ts';
import { planMemory } from './memory-plan.ts';
import { RooflinePerformanceModel, VLLMRooflineModel } from './roofline-model.ts';
import { decodeBatch, EMPTY_BATCH, prefillBatch, type StepBatch } from './step-batch.ts';
import { getXpu, listXpus } from './xpu-catalog.ts';

const h100 = getXpu('h100-sxm');
const llama7b = getModel('llama-2-7b');

describe('RooflinePerformanceModel', () => {
  it('decode at batch 1 reads every weight once: time ~ weight bytes / bandwidth', () => {
    const model = new RooflinePerformanceModel({ model: llama7b, xpu: h100 });
    const step = model.decodeTime(1, 0);
    // Every weight but the embedding table (of which one row is gathered), in bf16.
    const embeddingTable = llama7b.vocabSize * llama7b.hiddenSize;
    const weightBytes = (countParameters(llama7b).total - embeddingTable) * 2;
    const expected = weightBytes / 3.35e12;
    expect(step.totalSeconds).toBeGreaterThan(expected);
    expect(step.totalSeconds).toBeLessThan(expected * 1.01);
    expect(step.breakdown.filter((o) => o.op !== 'embedding').every((o) => o.bound === 'memory')).toBe(true);
  });

  it('a long prefill is compute-bound: time ~ 2 x params x tokens / peak plus causal attention', () => {
    const model = new RooflinePerformanceModel({ model: llama7b, xpu: h100 });
    const tokens = 8192;
    const step = model.prefillTime(1, tokens);
    const params = countParameters(llama7b).total - llama7b.vocabSize * llama7b.hiddenSize * 2;
    const linear = (2 * params * tokens) / 989.4e12;
    // QK^T and PV over the causal half of the square: 4 * heads * head_dim * pairs per layer.
    const attention = (32 * 4 * 4096 * ((tokens * (tokens + 1)) / 2)) / 989.4e12;
    const lmHead = (2 * 4096 * 32000) / 989.4e12;
    expect(step.totalSeconds).toBeGreaterThan(linear + attention);
    // RMSNorms are memory-bound: 65 of them read and write 8192 x 4096 bf16 values.
    const norms = (65 * 2 * tokens * 4096 * 2) / 3.35e12;
    expect(step.totalSeconds).toBeLessThan((linear + attention + lmHead + norms) * 1.01);
    const byOp = Object.fromEntries(step.breakdown.map((o) => [o.op, o]));
    expect(byOp.mlp.bound).toBe('compute');
    expect(byOp.attention.bound).toBe('compute');
  });

  it('Mixtral-8x7B at batch 1 reads only its two active experts per layer', () => {
    const mixtral = getModel('mixtral-8x7b');
    const model = new RooflinePerformanceModel({ model: mixtral, xpu: getXpu('h200'), parallelism: { tp: 2 } });
    const moe = model.decodeTime(1, 100).breakdown.find((o) => o.op === 'moe')!;
    const expert = 3 * 4096 * 14336;
    const router = 4096 * 8;
    // Two experts' weights and the router per layer, split over tp=2, in bf16; plus tiny activations.
    const weights = (32 * (2 * expert) / 2 + 32 * router) * 2;
    expect(moe.bytes).toBeGreaterThan(weights);
    expect(moe.bytes).toBeLessThan(weights * 1.001);
    // A large batch touches all eight experts.
    const big = model.decodeTime(256, 100).breakdown.find((o) => o.op === 'moe')!;
    expect(big.bytes).toBeGreaterThan(weights * 3.99);
  });

  it('TP4 splits the weights (decode ~1/4) and adds two all-reduces per layer plus the embedding one', () => {
    const llama70b = getModel('llama-2-70b');
    const tp1 = new RooflinePerformanceModel({ model: llama70b, xpu: h100 });
    const tp4 = new RooflinePerformanceModel({ model: llama70b, xpu: h100, parallelism: { tp: 4 } });
    const batch = decodeBatch(8, 512);
    const t1 = tp1.stepTime(batch);
    const t4 = tp4.stepTime(batch);
    const compute = (s: typeof t4) => s.breakdown.filter((o) => o.op !== 'communication').reduce((a, o) => a + o.seconds, 0);
    expect(compute(t4) / compute(t1)).toBeGreaterThan(0.249);
    expect(compute(t4) / compute(t1)).toBeLessThan(0.26);
    const comm = t4.breakdown.find((o) => o.op === 'communication')!;
    // 2 x 80 layers + 1 (vocabulary-parallel embedding) ring all-reduces of 8 tokens x 8192 x 2 bytes, each
    // moving 2(tp-1)/tp = 1.5 times that at NVLink 4's 450 GB/s per direction plus 8 us; and the logits gather.
    const allReduceBytes = 8 * 8192 * 2;
    const expected =
      161 * ((1.5 * allReduceBytes) / 450e9 + 8e-6) + (0.75 * 8 * 32000 * 2) / 450e9 + 8e-6;
    expect(comm.seconds).toBeCloseTo(expected, 12);
    expect(t1.breakdown.find((o) => o.op === 'communication')).toBeUndefined();
  });

  it('counts causal attention FLOPs from the batch query/key pairs: a chunk after a cached prefix costs more', () => {
    const model = new RooflinePerformanceModel({ model: llama7b, xpu: h100 });
    const fresh = model.stepTime(prefillBatch(1, 2048)).breakdown.find((o) => o.op === 'attention')!;
    const chunk = model.stepTime(prefillBatch(1, 2048, 6144)).breakdown.find((o) => o.op === 'attention')!;
    expect(chunk.flops / fresh.flops).toBeCloseTo((2048 * 6144 + (2048 * 2049) / 2) / ((2048 * 2049) / 2), 6);
  });

  it('prices with effective figures and a per-step overhead when given them, phase by phase', () => {
    const efficiency = {
      prefill: { flopsPerSecond: 600e12, bandwidthBytesPerSecond: 2e12, overheadSeconds: 0.002 },
      decode: { flopsPerSecond: 400e12, bandwidthBytesPerSecond: 2.5e12, overheadSeconds: 0.001 },
    };
    const peak = new RooflinePerformanceModel({ model: llama7b, xpu: h100 });
    const calibrated = new RooflinePerformanceModel({ model: llama7b, xpu: h100, efficiency });
    const decode = decodeBatch(1, 0);
    expect(calibrated.stepSeconds(decode)).toBeCloseTo(peak.stepSeconds(decode) * (3.35e12 / 2.5e12) + 0.001, 6);
    expect(calibrated.stepSeconds(decode)).toBeCloseTo(calibrated.stepTime(decode).totalSeconds, 12);
    const mixed: StepBatch = { ...prefillBatch(1, 100), decodeSequences: 100, decodeCachedTokens: 10_000 };
    const overhead = calibrated.stepTime(mixed).breakdown.find((o) => o.op === 'overhead')!;
    expect(overhead.seconds).toBeCloseTo(0.5 * 0.002 + 0.5 * 0.001, 12);
  });
});

describe('the calibration shape', () => {
  const efficiency = {
    prefill: { flopsPerSecond: 650e12, bandwidthBytesPerSecond: 2.6e12, overheadSeconds: 0.004 },
    decode: { flopsPerSecond: 300e12, bandwidthBytesPerSecond: 2.9e12, overheadSeconds: 0.0015 },
  };
  const llama70b = getModel('llama-3.1-70b');
  const model = new VLLMRooflineModel({ model: llama70b, xpu: h100, parallelism: { tp: 4 }, efficiency });

  // What the calibration estimator fits: t = overhead + communication + sum_i max(flops_i / F, bytes_i / B).
  function fitShape(batch: StepBatch, F: number, B: number, overhead: number): number {
    const work = model.stepWork(batch);
    const ops = work.operators.reduce((t, o) => t + Math.max(o.flops / F, o.bytes / B), 0);
    return overhead + work.communicationSeconds + work.pipelineSeconds + ops;
  }

  it('prices a pure prefill and a pure decode with exactly their own phase figures', () => {
    const prefill = prefillBatch(2, 3000);
    const p = efficiency.prefill;
    expect(model.stepSeconds(prefill)).toBeCloseTo(fitShape(prefill, p.flopsPerSecond, p.bandwidthBytesPerSecond, p.overheadSeconds), 12);
    const decode = decodeBatch(64, 1500);
    const d = efficiency.decode;
    expect(model.stepSeconds(decode)).toBeCloseTo(fitShape(decode, d.flopsPerSecond, d.bandwidthBytesPerSecond, d.overheadSeconds), 12);
  });

  it('blends the figures of a mixed step by token share, harmonically for rates', () => {
    const mixed: StepBatch = { ...prefillBatch(1, 192, 1024), decodeSequences: 64, decodeCachedTokens: 64 * 800 };
    const w = 192 / (192 + 64);
    const F = 1 / (w / efficiency.prefill.flopsPerSecond + (1 - w) / efficiency.decode.flopsPerSecond);
    const B = 1 / (w / efficiency.prefill.bandwidthBytesPerSecond + (1 - w) / efficiency.decode.bandwidthBytesPerSecond);
    const overhead = w * efficiency.prefill.overheadSeconds + (1 - w) * efficiency.decode.overheadSeconds;
    expect(model.stepSeconds(mixed)).toBeCloseTo(fitShape(mixed, F, B, overhead), 12);
    const step = model.stepTime(mixed);
    expect(step.totalSeconds).toBeCloseTo(model.stepSeconds(mixed), 12);
    expect(step.breakdown.reduce((t, o) => t + o.seconds, 0)).toBeCloseTo(step.totalSeconds, 12);
  });

  it('refuses a VLLMRooflineModel with invalid effective figures, naming the field', () => {
    expect(
      () => new VLLMRooflineModel({ model: llama70b, xpu: h100, efficiency: { ...efficiency, decode: { ...efficiency.decode, flopsPerSecond: 0 } } }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_EFFICIENCY', message: expect.stringMatching(/decode\.flopsPerSecond/) }));
  });

  it('takes no time for an empty step and describes itself', () => {
    expect(model.stepSeconds(EMPTY_BATCH)).toBe(0);
    expect(model.stepTime(EMPTY_BATCH)).toEqual({ totalSeconds: 0, breakdown: [] });
    expect(model.describe()).toBe('calibrated roofline: llama-3.1-70b on h100-sxm, tp=4 pp=1, weights bf16, KV bf16');
  });
});

const catalogBatches = fc.record({
  prefillTokens: fc.integer({ min: 0, max: 16384 }),
  decodeSequences: fc.integer({ min: 0, max: 512 }),
  context: fc.integer({ min: 0, max: 4096 }),
});

function toBatch(b: { prefillTokens: number; decodeSequences: number; context: number }): StepBatch {
  const prefill = b.prefillTokens > 0 ? prefillBatch(1, b.prefillTokens) : prefillBatch(0, 0);
  return { ...prefill, decodeSequences: b.decodeSequences, decodeCachedTokens: b.decodeSequences * b.context };
}

describe('roofline properties', () => {
  it('more bandwidth or more FLOPS never makes a step slower', () => {
    fc.assert(
      fc.property(catalogBatches, fc.double({ min: 1, max: 4, noNaN: true }), (b, factor) => {
        const batch = toBatch(b);
        const base = new RooflinePerformanceModel({ model: llama7b, xpu: h100, parallelism: { tp: 2 } });
        const faster = new RooflinePerformanceModel({
          model: llama7b,
          xpu: {
            ...h100,
            memoryBandwidthBytesPerSecond: h100.memoryBandwidthBytesPerSecond * factor,
            peakFlopsPerSecond: { bf16: h100.peakFlopsPerSecond.bf16! * factor },
          },
          parallelism: { tp: 2 },
        });
        expect(faster.stepSeconds(batch)).toBeLessThanOrEqual(base.stepSeconds(batch) * (1 + 1e-12));
      }),
      { numRuns: 200 },
    );
  });

  it('more tokens or more context never make a step faster', () => {
    const model = new RooflinePerformanceModel({ model: getModel('mixtral-8x7b'), xpu: getXpu('mi300x') });
    fc.assert(
      fc.property(catalogBatches, fc.integer({ min: 0, max: 512 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4096 }), (b, extraPrefill, extraDecode, extraContext) => {
        const base = model.stepSeconds(toBatch(b));
        const more = model.stepSeconds(
          toBatch({ prefillTokens: b.prefillTokens + extraPrefill, decodeSequences: b.decodeSequences + extraDecode, context: b.context + extraContext }),
        );
        expect(more).toBeGreaterThanOrEqual(base * (1 - 1e-12));
      }),
      { numRuns: 300 },
    );
  });

  it('is finite and positive for every catalog model on every catalog xpu where it fits', () => {
    let checked = 0;
    for (const { spec } of listModels()) {
      for (const xpu of listXpus()) {
        for (const tp of [1, 8]) {
          if (spec.numAttentionHeads % tp !== 0) continue;
          const plan = planMemory({ model: spec, xpu, parallelism: { tp } });
          if (!plan.fits) continue;
          const model = new RooflinePerformanceModel({ model: spec, xpu, parallelism: { tp } });
          for (const batch of [decodeBatch(1, 1), decodeBatch(64, 2000), prefillBatch(1, 4096)]) {
            const t = model.stepTime(batch).totalSeconds;
            expect(Number.isFinite(t) && t > 0).toBe(true);
            expect(model.stepSeconds(batch)).toBeCloseTo(t, 12);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('RooflinePerformanceModel.decodeRun', () => {
  // Step i of a decode run: every sequence has i more cached tokens.
  const after = (batch: StepBatch, i: number): StepBatch => ({ ...batch, decodeCachedTokens: batch.decodeCachedTokens + i * batch.decodeSequences });
  const withinRounding = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12 * Math.abs(b);
  // Calibrated-style figures slow enough in FLOPs that decode attention crosses its ridge as context grows:
  // memory-bound on the activations it moves at short context, compute-bound at long context.
  // Llama-2-7B decode attention moves 3 bytes per FLOP at no context and 1 per FLOP per cached token: a
  // ridge of 0.5 FLOP/byte lies between.
  const slowFlops = { flopsPerSecond: 1e12, bandwidthBytesPerSecond: 2e12, overheadSeconds: 0.002 };
  const models = [
    ['llama-2-7b on h100-sxm, peak figures', new RooflinePerformanceModel({ model: llama7b, xpu: h100 })],
    ['mixtral-8x7b on h100-sxm tp2, peak figures', new RooflinePerformanceModel({ model: getModel('mixtral-8x7b'), xpu: h100, parallelism: { tp: 2 } })],
    // Sliding-window layers (window 1024, and 128): attention work stops growing once a window is full.
    ['gemma-3-27b on h100-sxm tp2, peak figures', new RooflinePerformanceModel({ model: getModel('gemma-3-27b'), xpu: h100, parallelism: { tp: 2 } })],
    ['gpt-oss-20b on h100-sxm, peak figures', new RooflinePerformanceModel({ model: getModel('gpt-oss-20b'), xpu: h100 })],
    // Multi-head latent attention: absorbed decode over the latent cache.
    ['deepseek-v3 on h200 tp8, peak figures', new RooflinePerformanceModel({ model: getModel('deepseek-v3'), xpu: getXpu('h200'), parallelism: { tp: 8 } })],
    ['llama-2-7b, figures that put decode attention near its ridge', new VLLMRooflineModel({ model: llama7b, xpu: h100, efficiency: { prefill: slowFlops, decode: slowFlops } })],
  ] as const;

  it.each(models)('%s: each step of an answered run is the step time of its batch, and the next step leaves the line', (_name, model) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 1, max: 5000 }), (sequences, context, maxSteps) => {
        const batch = decodeBatch(sequences, context);
        const run = model.decodeRun(batch, maxSteps);
        expect(run.steps).toBeGreaterThanOrEqual(1);
        expect(run.steps).toBeLessThanOrEqual(maxSteps);
        expect(run.firstStepSeconds).toBe(model.stepSeconds(batch));
        for (const i of [0, 1, Math.floor(run.steps / 2), run.steps - 1]) {
          if (i >= run.steps) continue;
          expect(withinRounding(run.firstStepSeconds + i * run.stepIncrementSeconds, model.stepSeconds(after(batch, i)))).toBe(true);
        }
        // A run cut short ends at a regime change (an operator crossing its ridge, a window filling up): past
        // it the line no longer gives the step time. One step further, clear of rounding at the change itself.
        if (run.steps < maxSteps) {
          const beyond = model.stepSeconds(after(batch, run.steps + 1));
          expect(Math.abs(beyond - (run.firstStepSeconds + (run.steps + 1) * run.stepIncrementSeconds))).toBeGreaterThan(1e-12 * beyond);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with spec-sheet peaks a decode run never changes regime: attention stays memory-bound', () => {
    const model = new RooflinePerformanceModel({ model: llama7b, xpu: h100 });
    expect(model.decodeRun(decodeBatch(128, 100), 1_000_000).steps).toBe(1_000_000);
  });

  it('with figures near the ridge the run stops where attention turns compute-bound, and the next run goes on from there', () => {
    const model = new VLLMRooflineModel({ model: llama7b, xpu: h100, efficiency: { prefill: slowFlops, decode: slowFlops } });
    const batch = decodeBatch(8, 0);
    const first = model.decodeRun(batch, 1_000_000);
    expect(first.steps).toBeLessThan(1_000_000);
    const bound = (b: StepBatch) => model.stepTime(b).breakdown.find((o) => o.op === 'attention')!.bound;
    expect(bound(after(batch, first.steps - 1))).toBe('memory');
    expect(bound(after(batch, first.steps))).toBe('compute');
    const second = model.decodeRun(after(batch, first.steps), 1_000_000);
    expect(second.steps).toBe(1_000_000);
    expect(second.stepIncrementSeconds).toBeGreaterThan(first.stepIncrementSeconds);
  });

  it('a step with prompt tokens is a run of one step', () => {
    const model = new RooflinePerformanceModel({ model: llama7b, xpu: h100 });
    expect(model.decodeRun(prefillBatch(1, 100), 50).steps).toBe(1);
  });
});
