import { readFile } from 'node:fs/promises';
import { importVllmServe, parseVllmServeResult, servePercentilesMs } from '@llm-sim/benchmark';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import { runSimulation } from './simulation.ts';
import { describeRun, expandSweep } from './sweep.ts';
import { buildVllmServeResult, defaultVllmResultFilename, formatTrafficHeader, formatVllmDate, peakConcurrentRequests } from './vllm-result.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');
const when = new Date(2026, 10, 24, 9, 5, 7);

describe('closed loop on a real model (Llama-3.1-8B on one H100, roofline)', () => {
  it('at concurrency 1, TTFT is one prefill step and TPOT one decode step of the performance model', async () => {
    const config = parseSimulationConfig({
      model: 'llama-3.1-8b',
      xpu: 'h100',
      workload: { num_requests: 20, request_rate: 'inf', max_concurrency: 1, input_len: 2000, output_len: 2 },
    });
    const run = await runSimulation(config, readTextFile);
    const m = run.performanceModel;
    const prefill = m.stepSeconds({ prefillSequences: 1, prefillTokens: 2000, prefillCachedTokens: 0, prefillAttentionPairs: (2000 * 2001) / 2, decodeSequences: 0, decodeCachedTokens: 0 });
    const decode = m.stepSeconds({ prefillSequences: 0, prefillTokens: 0, prefillCachedTokens: 0, prefillAttentionPairs: 0, decodeSequences: 1, decodeCachedTokens: 2000 });
    expect(run.summary.completed).toBe(20);
    expect(run.summary.median_ttft_ms).toBeCloseTo(prefill * 1000, 9);
    expect(run.summary.p99_ttft_ms).toBeCloseTo(prefill * 1000, 9);
    expect(run.summary.mean_tpot_ms).toBeCloseTo(decode * 1000, 9);
    expect(run.summary.mean_concurrent_requests).toBeCloseTo(1, 12);
    expect(peakConcurrentRequests(run.result)).toBe(1);
  });

  it("at concurrency 32 the mean number in the system is 32 (Little's law) and each point of a sweep is its own run", async () => {
    const config = parseSimulationConfig({
      model: 'llama-3.1-8b',
      xpu: 'h100',
      workload: { num_requests: 2000, input_len: { kind: 'uniform', min: 200, max: 2000 }, output_len: { kind: 'uniform', min: 50, max: 400 } },
      sweep: { max_concurrency: [8, 32] },
    });
    const [c8, c32] = expandSweep(config);
    expect(c8.workload.max_concurrency).toBe(8);
    expect(c32.sweep).toBeUndefined();
    const run = await runSimulation(c32, readTextFile);
    const s = run.summary;
    expect(s.mean_concurrent_requests).toBeGreaterThan(32 * 0.98);
    expect(s.mean_concurrent_requests).toBeLessThanOrEqual(32);
    expect(s.mean_concurrent_requests).toBeCloseTo(s.request_throughput * (s.mean_e2el_ms / 1000), 6);
    expect(describeRun(run)).toMatchObject({ max_concurrency: 32, request_rate: 'inf', num_devices: 1, output_throughput_per_device: s.output_throughput });
  });
});

describe('vLLM result files', () => {
  it('formats the date and the default file name as vLLM does', () => {
    expect(formatVllmDate(when)).toBe('20261124-090507');
    const config = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { request_rate: 4, max_concurrency: 16 } });
    expect(defaultVllmResultFilename(config, 'meta-llama/Llama-3.1-8B', when)).toBe('llm-sim-4.0qps-concurrency16-Llama-3.1-8B-20261124-090507.json');
    expect(formatTrafficHeader(config)).toBe('Traffic request rate: 4.0\nBurstiness factor: 1.0 (Poisson process)\nMaximum request concurrency: 16\n');
    const open = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100' });
    expect(formatTrafficHeader(open)).toContain('Traffic request rate: inf\n');
    expect(formatTrafficHeader(open)).toContain('Maximum request concurrency: None\n');
  });

  it("round-trips through the project's vllm bench serve importer, with vLLM's keys and chosen percentiles", async () => {
    const config = parseSimulationConfig({
      model: 'llama-3.1-8b',
      xpu: 'h100',
      workload: { num_requests: 300, request_rate: 'inf', max_concurrency: 16, input_len: 1024, output_len: 128 },
    });
    const run = await runSimulation(config, readTextFile);
    const json = buildVllmServeResult({ ...run, xpuName: run.xpu.name, tp: 1 }, when, {
      percentile_metrics: ['ttft', 'tpot', 'itl', 'e2el'],
      metric_percentiles: [50, 90, 99.9],
      label: 'sim',
      metadata: { vllm_version: '0.11.0' },
      save_detailed: true,
    });
    const text = JSON.stringify(json);
    const parsed = parseVllmServeResult(JSON.parse(text), 'sim.json');
    expect(parsed).toMatchObject({ date: '20261124-090507', label: 'sim', model_id: 'llama-3.1-8b', request_rate: 'inf', burstiness: 1, max_concurrency: 16, completed: 300, failed: 0, vllm_version: '0.11.0' });
    expect(parsed.max_concurrent_requests).toBe(16);
    expect(Object.keys(servePercentilesMs(parsed, 'ttft'))).toEqual(['50', '90', '99.9']);
    expect(servePercentilesMs(parsed, 'ttft')['50']).toBeCloseTo(run.summary.median_ttft_ms, 9);
    expect(servePercentilesMs(parsed, 'e2el')['90']).toBeCloseTo(run.summary.p90_e2el_ms, 9);
    expect(parsed.ttfts).toHaveLength(300);
    expect(parsed.input_lens?.every((x) => x === 1024)).toBe(true);
    const points = importVllmServe(text, 'sim.json');
    expect(points).toHaveLength(2);
    // At --max-concurrency 16 each prompt is prefilled beside 15 decodes: the TTFT is a mixed step, not a prefill of 16.
    expect(points[0]).toMatchObject({ phase: 'mixed', model: 'llama-3.1-8b', xpu: 'h100-sxm', tp: 1, batchSize: 16, inputLen: 1024, contextLen: 1024 + 64, outputLen: 128, engine: 'llm-sim', engineVersion: '0.11.0' });
    expect(points[0].latencyMs).toBeCloseTo(run.summary.median_ttft_ms, 9);
    expect(points[1].latencyMs).toBeCloseTo(run.summary.median_tpot_ms, 9);
  });

  it("--save-detailed writes every request's itls and start_times; the file reads back through the importer and replays as --trace to the same run", async () => {
    const config = parseSimulationConfig({
      model: 'llama-3.1-8b',
      xpu: 'h100',
      workload: { num_requests: 200, request_rate: 8, input_len: { kind: 'uniform', min: 100, max: 3000 }, output_len: { kind: 'uniform', min: 1, max: 300 } },
      seed: 3,
    });
    const run = await runSimulation(config, readTextFile, undefined, { recordTokenTimes: true });
    const json = buildVllmServeResult({ ...run, xpuName: run.xpu.name, tp: 1 }, when, { save_detailed: true });
    const text = JSON.stringify(json);
    const parsed = parseVllmServeResult(JSON.parse(text), 'detailed.json');
    const r = run.result.requests;
    expect(parsed.itls).toHaveLength(200);
    for (let i = 0; i < 200; i++) {
      // One gap per token after the first (no speculation); they add up to E2E - TTFT, as vLLM's do.
      expect(parsed.itls![i]).toHaveLength(r.outputTokens[i] - 1);
      const sum = parsed.itls![i].reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(r.e2elSeconds[i] - r.ttftSeconds[i], 9);
    }
    // The same ITLs the summary's sketch saw: their mean, in ms.
    const all = parsed.itls!.flat();
    expect((1000 * all.reduce((a, b) => a + b, 0)) / all.length).toBeCloseTo(run.summary.mean_itl_ms, 6);
    expect(json.start_times).toEqual(Array.from(r.arrivalSeconds));

    // Replayed as a trace (auto-detected), the file gives back the run's requests and the same results.
    const path = '/virtual/detailed.json';
    const files = (p: string) => (p === path ? Promise.resolve(text) : readTextFile(p));
    const replay = await runSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { trace: path } }), files);
    expect(Array.from(replay.result.requests.inputTokens)).toEqual(Array.from(r.inputTokens));
    expect(replay.result.requests.arrivalSeconds[199]).toBeCloseTo(r.arrivalSeconds[199], 9);
    expect(replay.summary.mean_ttft_ms).toBeCloseTo(run.summary.mean_ttft_ms, 6);
    expect(replay.summary.mean_tpot_ms).toBeCloseTo(run.summary.mean_tpot_ms, 6);
  });

  it("a real vllm bench serve result without --save-detailed is refused as a trace, saying why", async () => {
    const fixture = new URL('../../benchmark/src/__fixtures__/vllm-serve-qwen2.5-vl-3b.json', import.meta.url).pathname;
    const config = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { trace: fixture } });
    await expect(runSimulation(config, readTextFile)).rejects.toThrow(/without per-request arrays: save it with --save-detailed to replay it/);
  });

  it('leaves out the per-request arrays without save_detailed and the e2el metric unless chosen', async () => {
    const run = await runSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { num_requests: 20 } }), readTextFile);
    const json = buildVllmServeResult({ ...run, xpuName: run.xpu.name, tp: 1 }, when);
    expect(json).not.toHaveProperty('ttfts');
    expect(json).not.toHaveProperty('mean_e2el_ms');
    expect(json).toHaveProperty('p99_itl_ms');
    expect(json.max_concurrency).toBeNull();
    expect(json.label).toBeNull();
  });
});

describe('prefix caching on a real model (Llama-3.1-8B on one H100, roofline)', () => {
  it('a shared 2,000-token system prompt: the hit rate is the shared share, and TTFT falls against --no-enable-prefix-caching', async () => {
    const workload = { num_requests: 400, request_rate: 8, input_len: 200, output_len: 100, prefix_len: 2000, num_prefixes: 4 };
    const on = await runSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload }), readTextFile);
    const off = await runSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload, scheduler: { enable_prefix_caching: false } }), readTextFile);
    expect(on.summary.total_input_tokens).toBe(400 * 2200);
    // Each of the 4 prefixes is computed once (the first time it is seen, its blocks cached as they are
    // allocated); every later prompt finds its prefix's 125 full blocks.
    expect(on.summary.prefix_cache_hit_rate).toBeCloseTo(((400 - 4) * 2000) / (400 * 2200), 12);
    expect(on.summary.mean_ttft_ms).toBeLessThan(off.summary.mean_ttft_ms / 3);
    expect(on.summary.prefill_time_saved_s).toBeGreaterThan(0);
    expect(off.summary.prefix_cache_hit_rate).toBe(0);
    expect(describeRun(on)).toHaveProperty('prefix_cache_hit_rate', on.summary.prefix_cache_hit_rate);
  });
});
