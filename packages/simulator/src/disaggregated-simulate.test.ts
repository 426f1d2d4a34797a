import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { DisaggregatedRouter } from './disaggregated-router.ts';
import { simulateDisaggregated, type DisaggregatedSimulationOptions } from './disaggregated-simulate.ts';
import { summarizeDisaggregatedSimulation } from './disaggregated-summary.ts';
import { RequestStatus } from './request-table.ts';
import { simulate } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import { generateRequests, type RequestSet } from './workload.ts';

// A step: 5 ms + 20 us per prompt token, + 0.1 ms per decoding sequence.
const model = createConstantPerformanceModel({
  stepOverheadSeconds: 0.005,
  prefillSecondsPerToken: 20e-6,
  decodeSecondsPerStep: 0,
  decodeSecondsPerSequence: 100e-6,
});
// The decode side's first step recomputes the last prompt token (one token, the rest of the prompt cached).
const recomputeSeconds = model.stepSeconds({
  prefillSequences: 1,
  prefillTokens: 1,
  prefillCachedTokens: 511,
  prefillAttentionPairs: 512,
  decodeSequences: 0,
  decodeCachedTokens: 0,
});

// Llama-3.1-70B's KV cache in bf16: 80 layers x 8 KV heads x 128 head_dim x (K and V) x 2 bytes
// (its config.json); one 400 Gb/s NDR InfiniBand / ConnectX-7 port moves 50 GB/s.
const LLAMA_70B_KV_BYTES_PER_TOKEN = 80 * 8 * 128 * 2 * 2;
const NDR_BYTES_PER_SECOND = 400e9 / 8;

function rows(list: [arrival: number, input: number, output: number][]): RequestSet {
  return {
    arrivalSeconds: Float64Array.from(list, (r) => r[0]),
    inputTokens: Int32Array.from(list, (r) => r[1]),
    outputTokens: Int32Array.from(list, (r) => r[2]),
  };
}

function disaggregated(
  requests: RequestSet,
  overrides: Partial<Omit<DisaggregatedSimulationOptions, 'requests'>> = {},
) {
  return simulateDisaggregated({
    prefillPool: { performanceModel: model, instances: 1, kvCacheBlocks: 10_000 },
    decodePool: { performanceModel: model, instances: 1, kvCacheBlocks: 10_000 },
    kvTransfer: { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: NDR_BYTES_PER_SECOND, latencySeconds: 0.0005 },
    ...overrides,
    requests,
  });
}

const lowLoad = generateRequests(
  {
    numRequests: 20,
    arrival: { kind: 'fixed', rate: 0.5 },
    inputLength: { kind: 'fixed', value: 512 },
    outputLength: { kind: 'fixed', value: 64 },
  },
  0,
);

describe('simulateDisaggregated at low load', () => {
  it('E2E exceeds the aggregated one by the KV transfer of the model’s prompt KV bytes over the link, plus the decode side’s first step', () => {
    const agg = summarizeSimulation(simulate({ performanceModel: model, requests: lowLoad, kvCacheBlocksPerReplica: 10_000 }));
    const result = disaggregated(lowLoad);
    const dis = summarizeDisaggregatedSimulation(result);
    // 512 tokens x 327,680 bytes = 167.8 MB over 50 GB/s = 3.355 ms, plus 0.5 ms latency.
    const transferMs = ((512 * LLAMA_70B_KV_BYTES_PER_TOKEN) / NDR_BYTES_PER_SECOND + 0.0005) * 1000;
    expect(transferMs).toBeCloseTo(3.855, 3);
    expect(dis.mean_kv_transfer_ms).toBeCloseTo(transferMs, 9);
    expect(dis.p99_kv_transfer_ms).toBeCloseTo(transferMs, 9);
    expect(dis.mean_kv_transfer_wait_ms).toBe(0);
    expect(dis.mean_e2el_ms - agg.mean_e2el_ms).toBeCloseTo(transferMs + recomputeSeconds * 1000, 9);
    expect(dis.mean_ttft_ms - agg.mean_ttft_ms).toBeCloseTo(transferMs + recomputeSeconds * 1000, 9);
    // Decode is unchanged: TPOT is the same 5.1 ms step.
    expect(dis.mean_tpot_ms).toBeCloseTo(agg.mean_tpot_ms, 9);
    expect(dis.completed).toBe(20);
    expect(dis.kv_transfer_bytes).toBe(20 * 512 * LLAMA_70B_KV_BYTES_PER_TOKEN);
  });

  it('with a very fast link agrees with aggregated serving up to the decode side’s first step', () => {
    const agg = summarizeSimulation(simulate({ performanceModel: model, requests: lowLoad, kvCacheBlocksPerReplica: 10_000 }));
    const dis = summarizeDisaggregatedSimulation(
      disaggregated(lowLoad, { kvTransfer: { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: 1e18 } }),
    );
    expect(dis.mean_kv_transfer_ms).toBeLessThan(1e-6);
    expect(dis.mean_e2el_ms - agg.mean_e2el_ms).toBeCloseTo(recomputeSeconds * 1000, 6);
    expect(Math.abs(dis.mean_e2el_ms / agg.mean_e2el_ms - 1)).toBeLessThan(0.02);
    expect(dis.request_throughput).toBeCloseTo(agg.request_throughput, 3);
  });

  it('places the first token the client sees on the decode instance, after the KV arrived', () => {
    const result = disaggregated(lowLoad);
    const r = result.requests;
    for (let i = 0; i < 20; i++) {
      expect(r.replica[i]).toBe(1); // decode instance (prefill instances come first)
      expect(result.prefillInstance[i]).toBe(0);
      const transfer = (512 * LLAMA_70B_KV_BYTES_PER_TOKEN) / NDR_BYTES_PER_SECOND + 0.0005;
      expect(r.firstTokenSeconds[i]).toBeCloseTo(r.arrivalSeconds[i] + 0.01524 + transfer + recomputeSeconds, 9);
    }
    expect(result.pools.prefill.busySecondsPerInstance[0]).toBeCloseTo(20 * 0.01524, 9);
  });
});

describe('simulateDisaggregated under contention', () => {
  it('fifo sends simultaneous transfers one after the other; fair shares the link and finishes both together', () => {
    const two = rows([
      [0, 1000, 4],
      [0, 1000, 4],
    ]);
    const bytes = 1000 * LLAMA_70B_KV_BYTES_PER_TOKEN;
    const one = bytes / NDR_BYTES_PER_SECOND;
    const base = {
      prefillPool: { performanceModel: model, instances: 2, kvCacheBlocks: 10_000 },
      router: 'round-robin' as const,
    };
    const fifo = disaggregated(two, { ...base, kvTransfer: { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: NDR_BYTES_PER_SECOND, sharing: 'fifo', links: 'shared' } });
    expect([...fifo.kvTransfer.transferSeconds].sort()).toEqual([expect.closeTo(one, 12), expect.closeTo(2 * one, 12)]);
    const fair = disaggregated(two, { ...base, kvTransfer: { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: NDR_BYTES_PER_SECOND, sharing: 'fair', links: 'shared' } });
    expect([...fair.kvTransfer.transferSeconds]).toEqual([expect.closeTo(2 * one, 12), expect.closeTo(2 * one, 12)]);
    // One link per pair: no sharing at all.
    const pairs = disaggregated(two, { ...base, kvTransfer: { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: NDR_BYTES_PER_SECOND, sharing: 'fair', links: 'per-pair' } });
    expect([...pairs.kvTransfer.transferSeconds]).toEqual([expect.closeTo(one, 12), expect.closeTo(one, 12)]);
  });

  it.each(['fifo', 'fair'] as const)('a slow link (%s) shows up as queueing, never as lost requests, and never beats its bandwidth', (sharing) => {
    const requests = generateRequests(
      { numRequests: 300, arrival: { kind: 'poisson', rate: 40 }, inputLength: { kind: 'uniform', min: 200, max: 2000 }, outputLength: { kind: 'uniform', min: 1, max: 100 } },
      3,
    );
    const bandwidth = 10e9; // 80 Gb/s: about 36 ms for an average prompt, near 40 req/s
    const fast = summarizeDisaggregatedSimulation(disaggregated(requests, { kvTransfer: { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: 1e13, sharing } }));
    const slowResult = disaggregated(requests, { kvTransfer: { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: bandwidth, sharing } });
    const slow = summarizeDisaggregatedSimulation(slowResult);
    expect(slow.completed).toBe(300);
    expect(slow.failed).toBe(0);
    let isolatedMax = 0;
    for (let i = 0; i < 300; i++) isolatedMax = Math.max(isolatedMax, (requests.inputTokens[i] * LLAMA_70B_KV_BYTES_PER_TOKEN) / bandwidth);
    // Transfers wait for (fifo) or share (fair) the link: the slowest takes longer than any alone would.
    expect(slow.p99_kv_transfer_ms / 1000).toBeGreaterThan(isolatedMax);
    expect(slow.mean_ttft_ms).toBeGreaterThan(fast.mean_ttft_ms + 30);
    // The link moved every byte at no more than its bandwidth.
    expect(slowResult.kvTransfer.linkUtilization[0]).toBeLessThanOrEqual(1 + 1e-9);
    expect(slowResult.kvTransfer.linkUtilization[0] * slow.duration * bandwidth).toBeCloseTo(slow.kv_transfer_bytes, -3);
  });

  it('too few decode instances (small decode KV cache) shows up as waiting for blocks, never as lost requests', () => {
    const requests = generateRequests(
      { numRequests: 400, arrival: { kind: 'all-at-once' }, inputLength: { kind: 'uniform', min: 100, max: 1500 }, outputLength: { kind: 'uniform', min: 20, max: 300 } },
      5,
    );
    const roomy = summarizeDisaggregatedSimulation(disaggregated(requests));
    const result = disaggregated(requests, { decodePool: { performanceModel: model, instances: 1, kvCacheBlocks: 120 } });
    const tight = summarizeDisaggregatedSimulation(result);
    expect(tight.completed).toBe(400);
    expect(tight.failed).toBe(0);
    expect(tight.mean_kv_transfer_wait_ms).toBeGreaterThan(roomy.mean_kv_transfer_wait_ms + 100);
    expect(tight.decode_kv_cache_peak_utilization).toBeLessThanOrEqual(1);
    expect(tight.prefill_kv_cache_peak_utilization).toBeLessThanOrEqual(1);
    expect(tight.duration).toBeGreaterThan(roomy.duration);
  });
});

describe('simulateDisaggregated pool scaling', () => {
  it('prefill-bound: a second prefill instance doubles throughput; a second decode instance does not', () => {
    // Long prompts, one output token: all the work is prefill.
    const requests = generateRequests(
      { numRequests: 200, arrival: { kind: 'all-at-once' }, inputLength: { kind: 'fixed', value: 4000 }, outputLength: { kind: 'fixed', value: 2 } },
      0,
    );
    const fast = { bytesPerToken: LLAMA_70B_KV_BYTES_PER_TOKEN, bandwidthBytesPerSecond: 1e13 };
    const run = (p: number, d: number) =>
      summarizeDisaggregatedSimulation(
        disaggregated(requests, {
          prefillPool: { performanceModel: model, instances: p, kvCacheBlocks: 10_000 },
          decodePool: { performanceModel: model, instances: d, kvCacheBlocks: 10_000 },
          kvTransfer: fast,
        }),
      ).request_throughput;
    const base = run(1, 1);
    expect(run(2, 1) / base).toBeGreaterThan(1.9);
    expect(run(2, 1) / base).toBeLessThan(2.05);
    expect(run(1, 2) / base).toBeLessThan(1.05);
  });

  it('decode-bound: a second decode instance doubles throughput; a second prefill instance does not', () => {
    // Short prompts, long outputs, at most 8 sequences per decode step.
    const requests = generateRequests(
      { numRequests: 200, arrival: { kind: 'all-at-once' }, inputLength: { kind: 'fixed', value: 32 }, outputLength: { kind: 'fixed', value: 400 } },
      0,
    );
    const run = (p: number, d: number) =>
      summarizeDisaggregatedSimulation(
        disaggregated(requests, {
          prefillPool: { performanceModel: model, instances: p, kvCacheBlocks: 10_000 },
          decodePool: { performanceModel: model, instances: d, kvCacheBlocks: 10_000, scheduler: { maxNumSeqs: 8 } },
        }),
      );
    const base = run(1, 1);
    const twoDecode = run(1, 2);
    expect(twoDecode.request_throughput / base.request_throughput).toBeGreaterThan(1.9);
    expect(twoDecode.request_throughput / base.request_throughput).toBeLessThan(2.05);
    expect(run(2, 1).request_throughput / base.request_throughput).toBeLessThan(1.05);
    expect(base.decode_utilization).toBeGreaterThan(0.95);
    expect(base.prefill_utilization).toBeLessThan(0.1);
  });
});

describe('simulateDisaggregated routing', () => {
  it('asks a custom router for the prefill instance at arrival and the decode instance when the prompt is computed', () => {
    const calls: string[] = [];
    const router: DisaggregatedRouter = {
      name: 'last-prefill-first-decode',
      routePrefill: (id, loads) => {
        calls.push(`p${id}:${loads.length}`);
        return loads.length - 1;
      },
      routeDecode: (id, loads, prefill) => {
        calls.push(`d${id}:${loads.length}:${prefill}`);
        return 0;
      },
    };
    const result = disaggregated(rows([[0, 100, 3], [1, 100, 3]]), {
      prefillPool: { performanceModel: model, instances: 3, kvCacheBlocks: 1000 },
      decodePool: { performanceModel: model, instances: 2, kvCacheBlocks: 1000 },
      router,
    });
    expect(calls).toEqual(['p0:3', 'd0:2:2', 'p1:3', 'd1:2:2']);
    expect([...result.prefillInstance]).toEqual([2, 2]);
    expect([...result.requests.replica]).toEqual([3, 3]);
    expect(result.pools.prefill.busySecondsPerInstance.slice(0, 2)).toEqual([0, 0]);
  });

  it('least-outstanding spreads simultaneous requests over both pools, counting those still in transfer', () => {
    const result = disaggregated(rows(Array.from({ length: 8 }, () => [0, 200, 50] as [number, number, number])), {
      prefillPool: { performanceModel: model, instances: 2, kvCacheBlocks: 1000 },
      decodePool: { performanceModel: model, instances: 2, kvCacheBlocks: 1000 },
      router: { prefill: 'least-outstanding', decode: 'least-outstanding' },
    });
    const perPrefill = [0, 0];
    const perDecode = [0, 0];
    for (let i = 0; i < 8; i++) {
      perPrefill[result.prefillInstance[i]]++;
      perDecode[result.requests.replica[i] - 2]++;
    }
    expect(perPrefill).toEqual([4, 4]);
    expect(perDecode).toEqual([4, 4]);
  });

  it('refuses a router that names a missing instance', () => {
    const router: DisaggregatedRouter = { name: 'broken', routePrefill: () => 0, routeDecode: () => 5 };
    expect(() => disaggregated(rows([[0, 10, 2]]), { router })).toThrow(/router 'broken' returned decode instance 5; expected 0..0/);
  });

  it('names the field of an invalid setting', () => {
    expect(() => disaggregated(rows([[0, 10, 2]]), { kvTransfer: { bytesPerToken: 1, bandwidthBytesPerSecond: -1 } })).toThrow(
      /kvTransfer\.bandwidthBytesPerSecond/,
    );
  });
});

describe('simulateDisaggregated bookkeeping', () => {
  it('reports a request that fits neither pool as failed, never lost', () => {
    const result = disaggregated(rows([[0, 100, 10], [0, 900, 10], [0, 100, 900]]), {
      prefillPool: { performanceModel: model, instances: 1, kvCacheBlocks: 50 }, // 800 tokens
      decodePool: { performanceModel: model, instances: 1, kvCacheBlocks: 40 }, // 640 tokens
    });
    expect(result.completed).toBe(1);
    expect(result.failures).toEqual({ exceeds_kv_cache_capacity: 2 });
  });

  const scenario = fc.record({
    blockSize: fc.constantFrom(1, 4, 16),
    prefillInstances: fc.integer({ min: 1, max: 3 }),
    decodeInstances: fc.integer({ min: 1, max: 3 }),
    maxNumSeqs: fc.integer({ min: 1, max: 6 }),
    extraBlocks: fc.integer({ min: 0, max: 30 }),
    chunked: fc.boolean(),
    sharing: fc.constantFrom('fifo' as const, 'fair' as const),
    links: fc.constantFrom('per-pair' as const, 'shared' as const),
    router: fc.constantFrom('round-robin' as const, 'least-outstanding' as const, 'least-kv-cache' as const),
    bandwidth: fc.double({ min: 1e6, max: 1e9, noNaN: true }),
    latency: fc.double({ min: 0, max: 0.01, noNaN: true }),
    requests: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.2, noNaN: true })),
        input: fc.integer({ min: 1, max: 100 }),
        output: fc.integer({ min: 1, max: 50 }),
      }),
      { minLength: 1, maxLength: 25 },
    ),
  });

  it('completes every request exactly once, in order prefill, transfer, first token, finish', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let t = 0;
        const set = rows(s.requests.map((r) => [(t += r.gap), r.input, r.output]));
        const longest = Math.max(...s.requests.map((r) => r.input + r.output));
        const blocks = Math.ceil(longest / s.blockSize) + s.extraBlocks;
        const scheduler = { blockSize: s.blockSize, maxNumSeqs: s.maxNumSeqs, maxNumBatchedTokens: 128, enableChunkedPrefill: s.chunked };
        const result = simulateDisaggregated({
          prefillPool: { performanceModel: model, instances: s.prefillInstances, kvCacheBlocks: blocks, scheduler },
          decodePool: { performanceModel: model, instances: s.decodeInstances, kvCacheBlocks: blocks, scheduler },
          kvTransfer: { bytesPerToken: 1000, bandwidthBytesPerSecond: s.bandwidth, latencySeconds: s.latency, sharing: s.sharing, links: s.links },
          router: s.router,
          requests: set,
        });
        const r = result.requests;
        expect(result.completed + result.failed).toBe(set.arrivalSeconds.length);
        let tokensAfterFirst = 0;
        for (let i = 0; i < r.status.length; i++) {
          if (r.status[i] !== RequestStatus.finished) continue;
          tokensAfterFirst += r.outputTokens[i] - 1;
          const wait = result.kvTransfer.waitSeconds[i];
          const transfer = result.kvTransfer.transferSeconds[i];
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(transfer).toBeGreaterThanOrEqual((set.inputTokens[i] * 1000) / s.bandwidth + s.latency - 1e-9);
          expect(r.firstTokenSeconds[i]).toBeGreaterThan(r.arrivalSeconds[i] + transfer);
          expect(r.finishSeconds[i]).toBeGreaterThanOrEqual(r.firstTokenSeconds[i]);
          expect(r.replica[i]).toBeGreaterThanOrEqual(s.prefillInstances);
        }
        // Every token after a request's first closes exactly one inter-token gap: none is emitted twice.
        expect(result.itlSeconds.count).toBe(tokensAfterFirst);
        for (const l of result.kvTransfer.linkUtilization) expect(l).toBeLessThanOrEqual(1 + 1e-9);
        expect(result.pools.prefill.kvCachePeakUtilization).toBeLessThanOrEqual(1);
        expect(result.pools.decode.kvCachePeakUtilization).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic', () => {
    const requests = generateRequests({ numRequests: 200, arrival: { kind: 'poisson', rate: 30 }, inputLength: { kind: 'uniform', min: 10, max: 900 }, outputLength: { kind: 'uniform', min: 1, max: 90 } }, 9);
    const a = summarizeDisaggregatedSimulation(disaggregated(requests, { router: 'least-kv-cache' }));
    const b = summarizeDisaggregatedSimulation(disaggregated(requests, { router: 'least-kv-cache' }));
    expect(a).toEqual(b);
  });
});

describe('simulateDisaggregated with prefix caching (in the prefill pool, as vLLM with a P/D connector)', () => {
  // Two prompts with a 1,000-token shared prefix, the second sent after the first has finished.
  const shared: RequestSet = {
    ...rows([
      [0, 1050, 4],
      [1, 1080, 4],
    ]),
    promptSegments: { offsets: Int32Array.from([0, 2, 4]), ids: Int32Array.from([1, -1, 1, -1]), tokens: Int32Array.from([1000, 50, 1000, 80]) },
  };
  const prefillTokens = (enablePrefixCaching: boolean) => {
    const seen: [number, number][] = [];
    const recording = { stepTime: model.stepTime, stepSeconds: (b: Parameters<typeof model.stepSeconds>[0]) => (seen.push([b.prefillTokens, b.prefillCachedTokens]), model.stepSeconds(b)) };
    const result = disaggregated(shared, { prefillPool: { performanceModel: recording, kvCacheBlocks: 10_000, scheduler: { enablePrefixCaching } } });
    return { seen, result };
  };

  it('the second prompt prefills only its own tokens on the prefill instance; the decode instance receives the whole prompt', () => {
    const { seen, result } = prefillTokens(true);
    // 1000 shared tokens = 62 full blocks of 16 (992 tokens): the second prefill computes 1080 - 992.
    expect(seen).toEqual([
      [1050, 0],
      [1080 - 992, 992],
    ]);
    const s = summarizeDisaggregatedSimulation(result);
    expect(s.prefix_cache_hit_rate).toBeCloseTo(992 / (1050 + 1080), 12);
    // The KV moved is the whole prompt's, hit or not.
    expect(result.kvTransfer.totalBytes).toBe((1050 + 1080) * LLAMA_70B_KV_BYTES_PER_TOKEN);
    expect(s.completed).toBe(2);
  });

  it('with caching off in the prefill pool, both prompts are computed in full', () => {
    const { seen, result } = prefillTokens(false);
    expect(seen).toEqual([
      [1050, 0],
      [1080, 0],
    ]);
    expect(summarizeDisaggregatedSimulation(result).prefix_cache_hit_rate).toBe(0);
  });
});
