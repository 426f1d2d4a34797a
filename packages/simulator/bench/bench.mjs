// Simulator speed: simulated requests per second and engine steps per second on one core.
// Run from the repo root with `pnpm bench` (builds first), or `npx tsup && node bench/bench.mjs` here.
// Workload: Azure 2023 conversation lengths (~1k prompt, ~230 output tokens) with Poisson arrivals at
// 90% of the replica's measured capacity; step times of a Llama-2-7B-like model on one H100 (weights
// read ~4 ms per step, KV reads 0.16 us per cached token, prefill 20 us per token, 3 ms overhead);
// 6,700 KV blocks of 16 tokens (about 107k tokens: 0.9 x 80 GB less 13.5 GB of weights, 512 KiB per token).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createConstantPerformanceModel,
  generateConversations,
  parseTraceCsv,
  sampleRequestsFrom,
  simulate,
  summarizeSimulation,
} from '../dist/index.js';

const tracePath = fileURLToPath(new URL('../../../benchmark_data/traces/azure2023_conv_trace_vidur.csv', import.meta.url));
const trace = parseTraceCsv(readFileSync(tracePath, 'utf8'), tracePath);

const performanceModel = createConstantPerformanceModel({
  stepOverheadSeconds: 0.003,
  prefillSecondsPerToken: 20e-6,
  decodeSecondsPerStep: 0.004,
  decodeSecondsPerSequence: 10e-6,
  decodeSecondsPerCachedToken: 1.6e-7,
});

function run(requests) {
  const t0 = performance.now();
  const result = simulate({ performanceModel, kvCacheBlocksPerReplica: 6700, requests });
  const seconds = (performance.now() - t0) / 1000;
  return { result, seconds };
}

// Capacity: throughput with everything sent at once.
const probe = run(sampleRequestsFrom(trace, 20_000, { kind: 'all-at-once' }, 1));
const capacity = probe.result.completed / probe.result.durationSeconds;
const rate = 0.9 * capacity;
console.log(`capacity ${capacity.toFixed(2)} req/s; simulating Poisson arrivals at ${rate.toFixed(2)} req/s`);

for (const n of [100_000, 1_000_000]) {
  const requests = sampleRequestsFrom(trace, n, { kind: 'poisson', rate }, 42);
  const { result, seconds } = run(requests);
  const steps = result.steps;
  const s = summarizeSimulation(result);
  console.log(
    `${n.toLocaleString('en-US')} requests: ${seconds.toFixed(2)} s wall, ` +
      `${Math.round(n / seconds).toLocaleString('en-US')} simulated requests/s, ` +
      `${Math.round(steps / seconds).toLocaleString('en-US')} steps/s (${steps.toLocaleString('en-US')} steps); ` +
      `simulated ${(s.duration / 3600).toFixed(1)} h, mean batch ${s.mean_batch_size.toFixed(1)}, ` +
      `TTFT p99 ${s.p99_ttft_ms.toFixed(0)} ms, TPOT mean ${s.mean_tpot_ms.toFixed(1)} ms, preemptions ${s.preemptions}`,
  );
}

// Prefix caching: the same 100k requests, each prompt's first min(prompt, 512) tokens one of 16 shared
// prefixes (a chat service's system prompts). Caching off must run as fast as the plain workload; on,
// within 2x of it (the free-queue bookkeeping, and fewer prefill tokens to simulate).
{
  const base = sampleRequestsFrom(trace, 100_000, { kind: 'poisson', rate }, 42);
  const n = base.inputTokens.length;
  const ids = new Int32Array(2 * n);
  const tokens = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const shared = Math.min(base.inputTokens[i], 512);
    ids[2 * i] = i % 16;
    tokens[2 * i] = shared;
    ids[2 * i + 1] = -1;
    tokens[2 * i + 1] = base.inputTokens[i] - shared;
  }
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => 2 * i);
  const requests = { ...base, promptSegments: { offsets, ids, tokens } };
  for (const enablePrefixCaching of [false, true]) {
    const t0 = performance.now();
    const result = simulate({ performanceModel, kvCacheBlocksPerReplica: 6700, requests, scheduler: { enablePrefixCaching } });
    const seconds = (performance.now() - t0) / 1000;
    const s = summarizeSimulation(result);
    console.log(
      `100,000 requests with shared prefixes, prefix caching ${enablePrefixCaching ? 'on ' : 'off'}: ${seconds.toFixed(2)} s wall, ` +
        `${Math.round(n / seconds).toLocaleString('en-US')} simulated requests/s, ${Math.round(result.steps / seconds).toLocaleString('en-US')} steps/s; ` +
        `hit rate ${(100 * s.prefix_cache_hit_rate).toFixed(1)}%, TTFT p99 ${s.p99_ttft_ms.toFixed(0)} ms`,
    );
  }
}

// Speculative decoding (3 n-gram drafts, each accepted with probability 0.7): every decoding request is
// visited each step, so the run is slower per step than the closed-form decode above, with fewer steps.
{
  const requests = sampleRequestsFrom(trace, 100_000, { kind: 'poisson', rate }, 42);
  const t0 = performance.now();
  const result = simulate({
    performanceModel,
    kvCacheBlocksPerReplica: 6700,
    requests,
    scheduler: { speculative: { numSpeculativeTokens: 3, acceptanceProbabilities: [0.7, 0.7, 0.7] } },
  });
  const seconds = (performance.now() - t0) / 1000;
  const s = summarizeSimulation(result);
  console.log(
    `100,000 requests with speculative decoding (k=3, acceptance 0.7): ${seconds.toFixed(2)} s wall, ` +
      `${Math.round(100_000 / seconds).toLocaleString('en-US')} simulated requests/s, ${Math.round(result.steps / seconds).toLocaleString('en-US')} steps/s; ` +
      `mean acceptance length ${s.mean_acceptance_length.toFixed(2)}, TPOT mean ${s.mean_tpot_ms.toFixed(1)} ms`,
  );
}

// Multi-turn chat (vLLM's benchmarks/multi_turn shape): 64 clients carry 20,000 conversations of 6-9
// turns; each prompt holds a 500-token system prompt (one of 16) and the history, which prefix caching
// finds; a turn is sent when the answer before it is complete. Every turn goes through the prefix cache
// and the arrival gate's queue of next turns.
{
  const requests = generateConversations(
    {
      numConversations: 20_000,
      arrival: { kind: 'all-at-once' },
      turns: { kind: 'uniform', min: 6, max: 9 },
      inputLength: { kind: 'uniform', min: 120, max: 160 },
      outputLength: { kind: 'uniform', min: 80, max: 120 },
      sharedPrefix: { tokens: 500, count: 16 },
    },
    42,
  );
  const n = requests.inputTokens.length;
  const t0 = performance.now();
  const result = simulate({ performanceModel, kvCacheBlocksPerReplica: 6700, requests, maxConcurrency: 64 });
  const seconds = (performance.now() - t0) / 1000;
  const s = summarizeSimulation(result);
  console.log(
    `${n.toLocaleString('en-US')} multi-turn requests (20,000 conversations, 64 clients): ${seconds.toFixed(2)} s wall, ` +
      `${Math.round(n / seconds).toLocaleString('en-US')} simulated requests/s, ${Math.round(result.steps / seconds).toLocaleString('en-US')} steps/s; ` +
      `hit rate ${(100 * s.prefix_cache_hit_rate).toFixed(1)}%, TTFT p99 ${s.p99_ttft_ms.toFixed(0)} ms, preemptions ${s.preemptions}`,
  );
}
