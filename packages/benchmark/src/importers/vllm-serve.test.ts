import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { benchmarkDataPath, readFixture } from '../test-support/shared-data.ts';
import { importVllmServe, parseVllmServeResult, parseVllmServeResults, servePercentilesMs } from './vllm-serve.ts';
import { caught } from '../test-support/caught.ts';
import { importVllmLatency } from './vllm-latency.ts';

const LEGACY = 'vllm-serve-llm-d-l40s-appended.json';
const CURRENT = 'vllm-serve-qwen2.5-vl-3b.json';
const LATENCY = 'vllm-latency-mi300x-llama-3.1-8b-bs8-in128-out128.json';

/** The first run of the real `vllm bench sweep` summary.json in benchmark_data/raw (opt-125m, vLLM 0.25.1). */
function sweepRun(): Record<string, unknown> {
  const [first] = JSON.parse(readFileSync(benchmarkDataPath('raw/vllm-bench-sweep-rtx3090/summary.json'), 'utf8')) as Record<string, unknown>[];
  return first;
}

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

  it('estimates the concurrency of a run without --max-concurrency by Little\'s law, and warns', () => {
    const warnings: string[] = [];
    const points = importVllmServe(readFixture(CURRENT), CURRENT, { model: 'qwen2.5-vl-3b', xpu: 'unknown-gpu', onWarning: (w) => warnings.push(w) });
    expect(points).toHaveLength(2);
    const [ttft, decode] = points;
    // 0.973 req/s x (97.5 ms + 127 x 34.4 ms) mean latency: about 4.4 requests in flight, not 1.
    expect(decode).toMatchObject({ phase: 'decode', batchSize: 4, contextLen: 200 + 64, latencyMs: 34.45028747967261, repeats: 199 });
    expect(decode.notes).toMatch(/Little's law at 4\.4 in flight/);
    // Requests arrive one by one at 1 req/s: each prompt is prefilled beside the running decodes.
    expect(ttft).toMatchObject({ phase: 'mixed', batchSize: 4, inputLen: 200, outputLen: 128, latencyMs: 98.94429985433817, date: '2026-07-22T06:01:14' });
    expect(ttft.spread).toEqual({ meanMs: 97.50969301155726, stdMs: 10.283567228285902, percentilesMs: { '99': 113.88637554366143 } });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^vllm-serve-qwen2\.5-vl-3b\.json:1: no --max-concurrency recorded .*Little's law.*: batch 4$/);
    expect(warnings[1]).toMatch(/mixed step and set aside by the fit/);
  });

  it('reads the xpu, its device count and the model from the file, never storing 4xNVIDIA_L40S', () => {
    const points = importVllmServe(readFixture(LEGACY), LEGACY, { batchSize: 4 });
    expect(points).toHaveLength(4);
    expect(points.every((p) => p.model === 'meta-llama/Llama-3.2-3B-Instruct' && p.xpu === 'l40s')).toBe(true);
    expect(points[3]).toMatchObject({ phase: 'decode', latencyMs: 53.13592476507745, inputLen: 999, batchSize: 4 });
  });

  it('refuses to re-label a Llama-3.2-3B on 4x L40S file as another model or xpu', () => {
    const model = caught(() => importVllmServe(readFixture(LEGACY), LEGACY, { model: 'llama-3.1-8b' }));
    expect(model.code).toBe('CONTRADICTS_FILE');
    expect(model.field).toBe('model');
    expect(model.message).toContain('the file records model meta-llama/Llama-3.2-3B-Instruct, but --model says llama-3.1-8b');
    const xpu = caught(() => importVllmServe(readFixture(LEGACY), LEGACY, { xpu: 'h100' }));
    expect(xpu.code).toBe('CONTRADICTS_FILE');
    expect(xpu.message).toContain('the file records xpu l40s, but --xpu says h100');
    // The same names spelled as aliases agree.
    expect(importVllmServe(readFixture(LEGACY), LEGACY, { xpu: 'L40S', batchSize: 4 })[0].xpu).toBe('l40s');
  });

  it('stores catalog names for aliases the caller gives', () => {
    // A latency result records nothing of the deployment: the caller's aliases fill it in, stored as catalog names.
    const [point] = importVllmLatency(readFixture(LATENCY), LATENCY, { model: 'llama-3-70b', xpu: 'a100-sxm4-40gb', tp: 8, batchSize: 8, inputLen: 128, outputLen: 128 });
    expect(point).toMatchObject({ model: 'llama-3.1-70b', xpu: 'a100-40gb', tp: 8 });
  });

  it('keeps the TTFT of a --max-concurrency 32 run as a mixed step, never a prefill of 32 prompts', () => {
    // In steady state each new prompt is prefilled beside the 31 running decodes: a 24 ms TTFT at input 1024 is
    // one 1024-token prefill plus decodes, which read as a prefill of 32 x 1024 tokens would pin the FLOP/s at the peak.
    const run = {
      ...sweepRun(), max_concurrency: 32, num_prompts: 320, completed: 320, total_input_tokens: 320 * 1024, total_output_tokens: 320 * 128,
      median_ttft_ms: 24, mean_ttft_ms: 25, median_tpot_ms: 9, mean_tpot_ms: 9,
    };
    const [ttft, decode] = importVllmServe(JSON.stringify(run), 'c32.json', { xpu: 'h100' });
    expect(ttft).toMatchObject({ phase: 'mixed', batchSize: 32, inputLen: 1024, contextLen: 1024 + 64, latencyMs: 24 });
    expect(ttft.notes).toContain('each prompt of 1024 tokens is prefilled beside 31 running decodes');
    expect(decode).toMatchObject({ phase: 'decode', batchSize: 32, contextLen: 1024 + 64, latencyMs: 9 });
    // --max-concurrency 1: each prompt is prefilled alone, a true prefill step.
    const [alone] = importVllmServe(JSON.stringify({ ...run, max_concurrency: 1 }), 'c1.json', { xpu: 'h100' });
    expect(alone).toMatchObject({ phase: 'prefill', batchSize: 1, inputLen: 1024 });
  });

  it('reads a vllm bench sweep summary.json (a JSON array) with the tp its serve parameters record', () => {
    const runs = [{ ...sweepRun(), tensor_parallel_size: 2 }, { ...sweepRun(), tensor_parallel_size: 2, run_number: 1 }];
    const text = JSON.stringify(runs, null, 4);
    const points = importVllmServe(text, 'summary.json', { xpu: 'h100' });
    expect(points).toHaveLength(4);
    expect(points.every((p) => p.tp === 2 && p.xpu === 'h100-sxm')).toBe(true);
    const e = caught(() => importVllmServe(text, 'summary.json', { xpu: 'h100', tp: 4 }));
    expect(e.code).toBe('CONTRADICTS_FILE');
    expect(e.message).toMatch(/^summary\.json:2: the file records tp 2, but --tp says 4/);
    const broken = caught(() => importVllmServe(JSON.stringify([runs[0], { ...runs[1], completed: -1 }], null, 4), 'summary.json', { xpu: 'h100' }));
    expect(broken.line).toBeGreaterThan(2);
    expect(broken.field).toBe('completed');
  });

  it('refuses a file without an xpu, saying how to give one', () => {
    const e = caught(() => importVllmServe(readFixture(CURRENT), CURRENT, { model: 'qwen2.5-vl-3b' }));
    expect(e.code).toBe('MISSING_METADATA');
    expect(e.field).toBe('xpu');
    expect(e.message).toContain(`${CURRENT}:1:`);
    expect(e.message).toContain('pass --xpu, or run vllm bench serve with --metadata gpu=<name>');
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
