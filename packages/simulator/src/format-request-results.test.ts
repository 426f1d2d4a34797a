import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import { REQUEST_RESULT_COLUMNS, formatRequestResultsCsv, formatRequestResultsJsonl, formatSeriesCsv, outputThroughputSeries } from './format-request-results-csv.ts';
import { simulate } from './simulate.ts';
import { generateRequests } from './workload.ts';

const model = createConstantPerformanceModel({ stepOverheadSeconds: 0.005, prefillSecondsPerToken: 20e-6, decodeSecondsPerStep: 0, decodeSecondsPerSequence: 100e-6 });
// 40 requests at 20 req/s; a KV cache too small for the longest prompts, so some fail.
const result = simulate({
  performanceModel: model,
  kvCacheBlocksPerReplica: 40,
  scheduler: { maxModelLen: 600 },
  requests: generateRequests({ numRequests: 40, arrival: { kind: 'poisson', rate: 20 }, inputLength: { kind: 'uniform', min: 100, max: 700 }, outputLength: { kind: 'uniform', min: 1, max: 60 } }, 3),
});

describe('per-request exports', () => {
  it('CSV and JSONL hold the same columns, in the same units, row for row', () => {
    const csv = formatRequestResultsCsv(result.requests).trim().split('\n');
    const jsonl = formatRequestResultsJsonl(result.requests).trim().split('\n').map((line) => JSON.parse(line));
    expect(csv[0].split(',')).toEqual([...REQUEST_RESULT_COLUMNS]);
    expect(jsonl).toHaveLength(csv.length - 1);
    expect(result.failed).toBeGreaterThan(0);
    for (let i = 0; i < jsonl.length; i++) {
      expect(Object.keys(jsonl[i])).toEqual([...REQUEST_RESULT_COLUMNS]);
      expect(csv[i + 1].split(',')).toEqual(REQUEST_RESULT_COLUMNS.map((c) => (jsonl[i][c] === null ? '' : String(jsonl[i][c]))));
    }
  });
});

describe('time series export', () => {
  it('has snake_case headers and an output throughput whose integral is the tokens produced', () => {
    const header = formatSeriesCsv(result.series, result.requests).split('\n')[0];
    expect(header).toBe('time_s,batch_size,running_requests,waiting_requests,kv_cache_utilization,output_throughput_tok_s');
    const end = Math.max(...Array.from(result.requests.finishSeconds).filter(Number.isFinite));
    const times = [...result.series.timeSeconds, end];
    const throughput = outputThroughputSeries(result.requests, times);
    let tokens = 0;
    for (let i = 0; i < times.length; i++) tokens += throughput[i] * (times[i] - (i > 0 ? times[i - 1] : 0));
    let produced = 0;
    for (let i = 0; i < result.requests.outputTokens.length; i++) if (result.requests.failureReason[i] === 0) produced += result.requests.outputTokens[i];
    expect(tokens).toBeCloseTo(produced, 6);
  });
});
