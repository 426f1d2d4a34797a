import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aggregateRepeats } from '../aggregate-repeats.ts';
import { importBenchmarkFileFromFs } from '../collector/benchmark-store.ts';
import { createNodeBenchmarkFs } from '../collector/node-benchmark-fs.ts';
import { benchmarkDataPath } from '../test-support/shared-data.ts';
import { deriveDecodeFromLatencyRuns } from './derive-decode.ts';
import { detectFormat } from './detect-format.ts';
import { importBenchmarkFile } from './import-benchmark-file.ts';

// The third-party result files committed under benchmark_data/raw (provenance in benchmark_data/raw/README.md).
const LLM_D = 'raw/vllm-bench-serve-llm-d-l40s/results.json';
const SWEEP = 'raw/vllm-bench-sweep-rtx3090/summary.json';
const LATENCY_DIR = 'raw/vllm-bench-latency-mi300x';

const read = (name: string) => readFileSync(benchmarkDataPath(name), 'utf8');

describe('real vllm bench serve results: Llama-3.2-3B-Instruct on 4x L40S behind llm-d (nerdalert/vllm-bench-automation)', () => {
  const warnings: string[] = [];
  const points = importBenchmarkFile(read(LLM_D), LLM_D, { onWarning: (w) => warnings.push(w) });

  it('reads all nine runs as what the file records: the model id, l40s, tp 1', () => {
    expect(detectFormat(read(LLM_D), LLM_D)).toBe('vllm-serve');
    expect(points).toHaveLength(18);
    expect(new Set(points.map((p) => `${p.model} ${p.xpu} tp${p.tp}`))).toEqual(new Set(['meta-llama/Llama-3.2-3B-Instruct l40s tp1']));
  });

  it('estimates each replica\'s concurrency from throughput x latency instead of assuming batch 1, and says so', () => {
    // Run 1: 8.37 req/s x (54.6 ms + 269 x 13.7 ms) = 31 requests in flight over 4 replicas: about 8 each.
    const decode = points.find((p) => p.phase === 'decode')!;
    expect(decode).toMatchObject({ batchSize: 8, inputLen: 999, contextLen: 999 + 135, latencyMs: 13.686303201518745 });
    expect(decode.notes).toContain('over 4 replicas (4xNVIDIA_L40S, tp 1 x pp 1)');
    expect(warnings.filter((w) => /Little's law.*: batch \d+$/.test(w))).toHaveLength(9);
    expect(warnings.filter((w) => w.includes('set aside by the fit'))).toHaveLength(9);
    // No TTFT of these runs is one engine step: each is kept as a mixed step the fit sets aside.
    expect(points.filter((p) => p.phase === 'prefill')).toEqual([]);
    expect(points.filter((p) => p.phase === 'mixed')).toHaveLength(9);
  });
});

describe('a real vllm bench sweep summary.json (er0080/vllm-benchmarking, vLLM 0.25.1, opt-125m on an RTX 3090)', () => {
  it('is recognised as serve results, one run per array element', () => {
    expect(detectFormat(read(SWEEP), SWEEP)).toBe('vllm-serve');
    const points = importBenchmarkFile(read(SWEEP), SWEEP, { xpu: 'geforce-rtx-3090' });
    expect(points).toHaveLength(4);
    // --max-concurrency 2 over 8 prompts: TTFT beside one decode (mixed), TPOT a decode of batch 2.
    expect(points.map((p) => `${p.phase} b${p.batchSize}`)).toEqual(['mixed b2', 'decode b2', 'mixed b2', 'decode b2']);
    expect(points[3]).toMatchObject({ model: 'facebook/opt-125m', xpu: 'geforce-rtx-3090', inputLen: 32, outputLen: 16, latencyMs: 7.929104699966653 });
  });
});

describe('real vllm bench latency results: Llama-3.1-8B-Instruct fp16 on one MI300X (cmontemuino/amd-mi300x-ml-benchmarks)', () => {
  const files = readdirSync(benchmarkDataPath(LATENCY_DIR)).filter((f) => f.endsWith('.json') && !f.endsWith('.meta.json'));

  it('imports the six runs with their sidecars: ten timed iterations each', async () => {
    expect(files).toHaveLength(6);
    const fs = createNodeBenchmarkFs();
    const points = (await Promise.all(files.map((f) => importBenchmarkFileFromFs(fs, benchmarkDataPath(`${LATENCY_DIR}/${f}`))))).flat();
    expect(points).toHaveLength(60);
    expect(new Set(points.map((p) => `${p.model} ${p.xpu} tp${p.tp} ${p.dtype}`))).toEqual(new Set(['llama-3.1-8b mi300x tp1 fp16']));
    const derived = deriveDecodeFromLatencyRuns(points);
    expect(derived.map((p) => p.batchSize).sort((a, b) => a - b)).toEqual([1, 8, 32]);
    // The decode step is the difference of the medians over the 896 extra steps.
    const median = (bs: number, out: number) => aggregateRepeats(points.filter((p) => p.batchSize === bs && p.outputLen === out))[0].latencyMs;
    for (const p of derived) {
      expect(p.latencyMs).toBeCloseTo((median(p.batchSize, 1024) - median(p.batchSize, 128)) / 896, 9);
      expect(p.contextLen).toBe(128 + Math.round((128 + 1024 - 3) / 2));
    }
    // bs32 costs more per step than bs1, and every step is a few ms: a real decode, not a unit slip.
    const step = (bs: number) => derived.find((p) => p.batchSize === bs)!.latencyMs;
    expect(step(32)).toBeGreaterThan(step(1));
    for (const p of derived) expect(p.latencyMs).toBeGreaterThan(3), expect(p.latencyMs).toBeLessThan(30);
  });
});
