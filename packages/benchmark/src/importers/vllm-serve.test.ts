import { describe, expect, it } from 'vitest';
import { readFixture } from '../test-support/shared-data.ts';
import { importVllmServe, parseVllmServeResult, parseVllmServeResults, servePercentilesMs } from './vllm-serve.ts';
import { caught } from '../test-support/caught.ts';

const LEGACY = 'vllm-serve-llm-d-l40s-appended.json';
const CURRENT = 'vllm-serve-qwen2.5-vl-3b.json';

describe('vllm bench serve results', () => {
  it('reads appended results, one per line, and the old "request_goodput:" spelling', () => {
    const results = parseVllmServeResults(readFixture(LEGACY), LEGACY);
    expect(results).toHaveLength(2);
    expect(results[0].request_goodput).toBeNull();
    expect('request_goodput:' in results[0]).toBe(false);
    expect(results[0].request_rate).toBe(10);
    expect(results[1].request_rate).toBe('inf');
    expect(results[0].gpu).toBe('4xNVIDIA_L40S'); // --metadata keys are kept
  });

  it('reads the current key set with request_goodput, failed and peak figures', () => {
    const [result] = parseVllmServeResults(readFixture(CURRENT), CURRENT);
    expect(result).toMatchObject({ completed: 199, failed: 1, request_goodput: null, max_concurrent_requests: 14 });
    expect(servePercentilesMs(result, 'ttft')).toEqual({ '99': 113.88637554366143 });
    expect(servePercentilesMs(result, 'tpot')).toEqual({ '99': 35.01290820802995 });
  });

  it('treats both goodput spellings alike', () => {
    const [line] = readFixture(LEGACY).split('\n');
    const legacy = JSON.parse(line) as Record<string, unknown>;
    const { 'request_goodput:': goodput, ...rest } = legacy;
    expect(parseVllmServeResult({ ...rest, request_goodput: goodput }, 'renamed')).toEqual(parseVllmServeResult(legacy, LEGACY));
  });

  it('turns a summary into a prefill (median TTFT) and a decode (median TPOT) point at mean lengths', () => {
    const points = importVllmServe(readFixture(CURRENT), CURRENT, { model: 'qwen2.5-vl-3b', xpu: 'unknown-gpu' });
    expect(points).toHaveLength(2);
    const [prefill, decode] = points;
    // 39800 input and 25472 output tokens over 199 completed requests: 200 in, 128 out each.
    expect(prefill).toMatchObject({
      phase: 'prefill', batchSize: 1, inputLen: 200, outputLen: 128, contextLen: 0,
      latencyMs: 98.94429985433817, repeats: 199, engine: 'vllm', date: '2026-07-22T06:01:14',
    });
    expect(prefill.spread).toEqual({ meanMs: 97.50969301155726, stdMs: 10.283567228285902, percentilesMs: { '99': 113.88637554366143 } });
    expect(decode).toMatchObject({ phase: 'decode', contextLen: 200 + 64, latencyMs: 34.45028747967261 });
    expect(prefill.notes).toContain('batch 1 assumed');
  });

  it('takes the concurrency and model from the file and the xpu from the caller', () => {
    const points = importVllmServe(readFixture(LEGACY), LEGACY, { xpu: 'l40s', batchSize: 4 });
    expect(points).toHaveLength(4);
    expect(points.every((p) => p.model === 'meta-llama/Llama-3.2-3B-Instruct' && p.xpu === 'l40s')).toBe(true);
    expect(points[3]).toMatchObject({ phase: 'decode', latencyMs: 53.13592476507745, inputLen: 999, batchSize: 4 });
  });

  it('refuses a file without an xpu, saying how to give one', () => {
    const e = caught(() => importVllmServe(readFixture(CURRENT), CURRENT));
    expect(e.code).toBe('MISSING_METADATA');
    expect(e.field).toBe('xpu');
    expect(e.message).toContain(`${CURRENT}:1:`);
    expect(e.message).toContain('--metadata xpu=');
  });

  it('names the line of a broken appended result and the field of a wrong one', () => {
    const [first, second] = readFixture(LEGACY).split('\n');
    const broken = `${first}\n${second.slice(0, 80)}\n`;
    expect(caught(() => importVllmServe(broken, LEGACY, { xpu: 'l40s' })).line).toBe(2);
    const negative = `${first.replace('"completed": 300', '"completed": -1')}\n`;
    const e = caught(() => importVllmServe(negative, LEGACY, { xpu: 'l40s' }));
    expect(e.field).toBe('completed');
    expect(e.message).toMatch(/^vllm-serve-llm-d-l40s-appended\.json:1: /);
  });
});
