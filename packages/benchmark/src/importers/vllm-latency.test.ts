import { getModel, getXpu, kvCacheBytesPerToken, countParameters } from '@llm-sim/roofline';
import { describe, expect, it } from 'vitest';
import { aggregateRepeats } from '../aggregate-repeats.ts';
import { readFixture } from '../test-support/shared-data.ts';
import { deriveDecodeFromLatencyRuns } from './derive-decode.ts';
import { importVllmLatency } from './vllm-latency.ts';
import { caught } from '../test-support/caught.ts';

const RUN_128 = 'vllm-latency-mi300x-llama-3.1-8b-bs8-in128-out128.json';
const RUN_1024 = 'vllm-latency-mi300x-llama-3.1-8b-bs8-in128-out1024.json';
const load = (file: string) =>
  importVllmLatency(readFixture(file), file, { meta: JSON.parse(readFixture(file.replace(/\.json$/, '.meta.json'))) });

describe('vllm bench latency results', () => {
  it('makes one whole-run point per timed iteration, settings from the sidecar', () => {
    const points = load(RUN_128);
    expect(points).toHaveLength(10);
    expect(points[0]).toMatchObject({
      phase: 'mixed', model: 'llama-3.1-8b', xpu: 'mi300x', tp: 1, dtype: 'fp16', batchSize: 8, inputLen: 128,
      outputLen: 128, contextLen: 0, latencyMs: 1114.755410933867, engine: 'vllm', engineVersion: '0.9.2.dev364+gb432b7a28',
    });
  });

  it('aggregates to the median and percentiles vLLM itself reported', () => {
    const [run] = aggregateRepeats(load(RUN_128));
    const reported = JSON.parse(readFixture(RUN_128)) as { percentiles: Record<string, number>; avg_latency: number };
    expect(run.repeats).toBe(10);
    expect(run.latencyMs).toBeCloseTo(reported.percentiles['50'] * 1000, 9);
    expect(run.spread?.meanMs).toBeCloseTo(reported.avg_latency * 1000, 9);
    for (const p of ['10', '25', '75', '90', '99']) {
      expect(run.spread?.percentilesMs?.[p]).toBeCloseTo(reported.percentiles[p] * 1000, 9);
    }
  });

  it('derives the decode step from two runs differing only in output length', () => {
    const [decode] = deriveDecodeFromLatencyRuns([...load(RUN_128), ...load(RUN_1024)]);
    // (7117.797 ms - 898.657 ms) / (1024 - 128) steps: those emitting tokens 129 … 1024, each on a cache of
    // 128 + 127 … 128 + 1022 tokens, 128 + 574.5 on average (the old formula said 128 + 576, one token high).
    expect(decode.phase).toBe('decode');
    expect(decode.latencyMs).toBeCloseTo((7117.797282524407 - 898.6574900336564) / 896, 9);
    expect(decode.contextLen).toBe(128 + 575);
    expect(decode.repeats).toBe(10);
    // Above the bandwidth bound: 8B fp16 weights plus the batch's KV cache over MI300X's 5.3 TB/s.
    const model = getModel('llama-3.1-8b');
    const bytes = countParameters(model).total * 2 + 8 * decode.contextLen * kvCacheBytesPerToken(model, 'fp16');
    const boundMs = (bytes / getXpu('mi300x').memoryBandwidthBytesPerSecond) * 1000;
    expect(decode.latencyMs).toBeGreaterThan(boundMs);
    expect(decode.latencyMs).toBeLessThan(3 * boundMs);
  });

  it('makes prefill points from output_len 1 runs', () => {
    const meta = { ...JSON.parse(readFixture(RUN_128.replace(/\.json$/, '.meta.json'))), output_len: 1 };
    const points = importVllmLatency(readFixture(RUN_128), 'as-if-output-1.json', { meta });
    expect(points.every((p) => p.phase === 'prefill')).toBe(true);
  });

  it('refuses a run whose batch size nobody recorded, naming the sidecar', () => {
    const e = caught(() => importVllmLatency(readFixture(RUN_128), RUN_128));
    expect(e.code).toBe('MISSING_METADATA');
    expect(e.field).toBe('batch_size');
    expect(e.message).toContain(`${RUN_128}.meta.json`);
  });

  it('names the line of malformed JSON and a negative latency field', () => {
    const text = readFixture(RUN_128);
    const truncated = text.slice(0, text.indexOf('0.8967'));
    const e = caught(() => importVllmLatency(truncated, RUN_128, { batchSize: 8, inputLen: 128, outputLen: 128, model: 'm', xpu: 'x' }));
    expect(e.code).toBe('INVALID_JSON');
    expect(e.line).toBeGreaterThan(1);
    const negative = text.replace('"avg_latency": 0.92', '"avg_latency": -0.92');
    const n = caught(() => importVllmLatency(negative, RUN_128, { batchSize: 8, inputLen: 128, outputLen: 128, model: 'm', xpu: 'x' }));
    expect(n.field).toBe('avg_latency');
  });
});
