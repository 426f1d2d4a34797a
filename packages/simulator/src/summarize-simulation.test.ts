import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import { formatBenchmarkSummary } from './format-benchmark-summary.ts';
import { formatRequestResultsCsv } from './format-request-results-csv.ts';
import { simulate } from './simulate.ts';
import { BenchmarkSummarySchema, summarizeSimulation } from './summarize-simulation.ts';

const model = createConstantPerformanceModel({ stepOverheadSeconds: 0.002, prefillSecondsPerToken: 1e-5, decodeSecondsPerStep: 0.008 });
const run = () =>
  simulate({
    performanceModel: model,
    kvCacheBlocksPerReplica: 100,
    requests: {
      arrivalSeconds: Float64Array.from([0, 0.5, 1]),
      inputTokens: Int32Array.from([100, 200, 5000]),
      outputTokens: Int32Array.from([3, 1, 10]),
    },
  });

describe('summarizeSimulation', () => {
  it("produces vLLM's result keys, in vLLM's units, and validates against its schema", () => {
    const s = summarizeSimulation(run(), { ttft: 100 });
    expect(BenchmarkSummarySchema.parse(s)).toEqual(s);
    expect(s.completed).toBe(2);
    expect(s.failed).toBe(1); // 5000 + 10 - 1 tokens exceed 100 blocks of 16
    // First request: TTFT 2 + 1 ms, TPOT 10 ms; second: TTFT 2 + 2 ms, one token so no TPOT.
    expect(s.mean_ttft_ms).toBeCloseTo(3.5, 9);
    expect(s.mean_tpot_ms).toBeCloseTo(10, 9);
    expect(s.p99_tpot_ms).toBeCloseTo(10, 9);
    expect(s.mean_e2el_ms).toBeCloseTo((23 + 4) / 2, 9);
    // The benchmark ends when the last response returns, the error of the failed request at 1 s included.
    expect(s.duration).toBe(1);
    expect(s.total_output_tokens).toBe(4);
    expect(s.request_goodput).toBeCloseTo(2, 9);
    // The overhead of a step is 2 of every step's milliseconds; the rest is prefill or decode.
    const ops = s.time_by_operator;
    expect(Object.values(ops).reduce((a, b) => a + b, 0)).toBeCloseTo(0.003 + 0.01 + 0.01 + 0.004, 12);
  });
});

describe('formatBenchmarkSummary', () => {
  it("renders vLLM's table layout", () => {
    const text = formatBenchmarkSummary(summarizeSimulation(run(), { ttft: 100 }));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('============ Serving Benchmark Result ============');
    expect(lines).toContain('Successful requests:                     2');
    expect(lines).toContain('Request goodput (req/s):                 2.00');
    expect(lines).toContain('---------------Time to First Token----------------');
    expect(lines).toContain('Mean TTFT (ms):                          3.50');
    expect(lines[lines.length - 1]).toBe('='.repeat(50));
  });
});

describe('formatRequestResultsCsv', () => {
  it('writes one row per request, failures included with their reason', () => {
    const csv = formatRequestResultsCsv(run().requests).trim().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0].split(',')).toContain('ttft_s');
    expect(csv[3].endsWith(',exceeds_kv_cache_capacity')).toBe(true);
    expect(csv[1].split(',')[6]).toBe('3');
  });
});
