import { describe, expect, it } from 'vitest';
import type { BenchmarkPoint } from '../benchmark-point.ts';
import { missingPhases, runPhases } from './resume.ts';

const run = { batchSize: 8, inputLen: 128, outputLen: 128, repeats: 3, warmup: 1 };
const point = (phase: BenchmarkPoint['phase'], over: Partial<BenchmarkPoint> = {}): BenchmarkPoint => ({
  phase, model: 'llama-2-7b', xpu: 'h100-sxm', tp: 1, pp: 1, dtype: 'bf16', batchSize: 8, inputLen: 128,
  contextLen: phase === 'prefill' ? 0 : 192, outputLen: 128, latencyMs: 10, repeats: 3, engine: 'vllm', source: 'runner', ...over,
});

describe('resume', () => {
  it('expects a decode point only when the output leaves gaps after the skipped ones', () => {
    expect(runPhases({ outputLen: 1 }, 2)).toEqual(['prefill']);
    expect(runPhases({ outputLen: 3 }, 2)).toEqual(['prefill']);
    expect(runPhases({ outputLen: 4 }, 2)).toEqual(['prefill', 'decode']);
  });

  it('skips a run whose phases are all measured, and re-runs only what is missing', () => {
    expect(missingPhases(run, [point('prefill'), point('decode')], 2)).toEqual([]);
    expect(missingPhases(run, [point('prefill')], 2)).toEqual(['decode']);
    expect(missingPhases(run, [point('prefill', { batchSize: 16 }), point('decode', { outputLen: 512 })], 2)).toEqual(['prefill', 'decode']);
  });
});
