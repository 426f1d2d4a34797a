import { describe, expect, it } from 'vitest';
import { parseBenchmarkJsonl, serializeBenchmarkJsonl, serializeBenchmarkPoint } from './benchmark-jsonl.ts';
import type { BenchmarkPointInput } from './benchmark-point.ts';
import { caught } from './test-support/caught.ts';

// The first row of Splitwise's perf_model.csv (Llama-2-70B, DGX-A100, TP2, batch 1, prompt 512, 128 outputs).
const prefill: BenchmarkPointInput = {
  phase: 'prefill',
  model: 'llama-2-70b',
  xpu: 'a100-80gb',
  tp: 2,
  batchSize: 1,
  inputLen: 512,
  contextLen: 0,
  outputLen: 128,
  latencyMs: 196.2532191537321,
  engine: 'unknown',
  source: 'splitwise_perf_model.csv',
};
const decode: BenchmarkPointInput = { ...prefill, phase: 'decode', contextLen: 576, latencyMs: 54.87951193752838 };

describe('benchmark JSONL', () => {
  it('round-trips points, filling defaults once', () => {
    const text = serializeBenchmarkJsonl([prefill, decode]);
    expect(text.split('\n')).toHaveLength(3);
    const points = parseBenchmarkJsonl(text, 'raw.jsonl');
    expect(points).toEqual([
      { ...prefill, pp: 1, dtype: 'bf16', repeats: 1 },
      { ...decode, pp: 1, dtype: 'bf16', repeats: 1 },
    ]);
    expect(serializeBenchmarkJsonl(points)).toBe(text);
  });

  it('skips blank lines and keeps line numbers for errors after them', () => {
    const text = `${serializeBenchmarkPoint(prefill)}\n\n${JSON.stringify({ ...decode, latencyMs: -3 })}\n`;
    const e = caught(() => parseBenchmarkJsonl(text, 'raw.jsonl'));
    expect(e.code).toBe('INVALID_POINT');
    expect(e.line).toBe(3);
    expect(e.field).toBe('latencyMs');
    expect(e.message).toMatch(/^raw\.jsonl:3: .*latencyMs/);
  });

  it('names the line of malformed JSON (a half-written append)', () => {
    const text = `${serializeBenchmarkPoint(prefill)}\n{"phase":"decode","model":"llama-2-70b","xp`;
    const e = caught(() => parseBenchmarkJsonl(text, 'raw.jsonl'));
    expect(e.code).toBe('INVALID_JSON');
    expect(e.line).toBe(2);
    expect(e.message).toContain('raw.jsonl:2');
  });

  it('names nested fields and phase rules', () => {
    const bad = { ...decode, contextLen: 0, spread: { minMs: 60, maxMs: 50 } };
    const e = caught(() => parseBenchmarkJsonl(JSON.stringify(bad), 'x.jsonl'));
    expect(e.message).toContain('contextLen');
    expect(e.message).toContain('spread.minMs');
  });

  it('refuses an invalid point on the way out too', () => {
    const e = caught(() => serializeBenchmarkPoint({ ...prefill, batchSize: 0 }));
    expect(e.field).toBe('batchSize');
  });
});
