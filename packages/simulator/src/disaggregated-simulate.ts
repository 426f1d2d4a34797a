import * as z from 'zod/mini';
import { KvLink } from './disaggregated-kv-link.ts';
import { createDisaggregatedRouter, type DisaggregatedRouter } from './disaggregated-router.ts';
import { ArrivalGate } from './arrival-gate.ts';
import { SimulatorError, formatIssues } from './errors.ts';
import { IntDeque } from './int-deque.ts';
import { MinHeap } from './min-heap.ts';
import type { PerformanceModel } from './performance-model.ts';
import { QuantileSketch } from './quantile-sketch.ts';
import { PendingDecodeRuns } from './pending-decode-runs.ts';
import { PrefixCache, buildPrefixBlockKeys } from './prefix-cache.ts';
import { TokenTimeLog } from './token-times.ts';
import { Replica } from './replica.ts';
import { FAILURE_REASONS, RequestState, RequestTable, type FailureReason } from './request-table.ts';
import type { ReplicaLoad, Router } from './router.ts';
import type { RouterName } from './routers.ts';
import { SchedulerConfigSchema, type SchedulerConfigInput } from './scheduler-config.ts';
import { MultiSeries, checkRequestSet, collectResult, keepClusterSample, type SimulationResult, type SimulationSeries } from './simulate.ts';
import type { RequestSet } from './workload.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

const PoolSettingsSchema = z.object({
  /** Model instances in the pool, each with its own TP x PP devices. */
  instances: z._default(z.int().check(z.positive()), 1),
  /** KV-cache capacity of one instance of the pool, in blocks of `scheduler.blockSize` tokens. */
  kvCacheBlocks: z.int().check(z.positive()),
  scheduler: z.prefault(SchedulerConfigSchema, {}),
});

/** The link(s) between the pools that carry each request's prompt KV cache from prefill to decode. */
export const KvTransferSettingsSchema = z.object({
  /** KV-cache bytes per prompt token of the whole model (all layers and KV heads), e.g. roofline's `kvCacheBytesPerToken`. */
  bytesPerToken: z.number().check(z.positive()),
  bandwidthBytesPerSecond: z.number().check(z.positive()),
  /** Added to every transfer after its last byte (setup, propagation); it does not occupy the link. */
  latencySeconds: z._default(z.number().check(z.nonnegative()), 0),
  /** How concurrent transfers on one link share it (see `KvLinkSharing`). */
  sharing: z._default(z.enum(['fifo', 'fair']), 'fair'),
  /** `per-pair`: one link between each prefill and each decode instance; `shared`: one link for the whole cluster. */
  links: z._default(z.enum(['per-pair', 'shared']), 'per-pair'),
});
/** How KV caches move from prefill to decode instances, defaults applied: bytes per token, link bandwidth and latency, how links are shared. */
export type KvTransferSettings = z.infer<typeof KvTransferSettingsSchema>;
/** KV transfer settings as a caller writes them (defaults optional). */
export type KvTransferSettingsInput = z.input<typeof KvTransferSettingsSchema>;

/** The plain-data options of a disaggregated run. */
export const DisaggregatedSettingsSchema = z.object({
  prefillPool: PoolSettingsSchema,
  decodePool: PoolSettingsSchema,
  kvTransfer: KvTransferSettingsSchema,
  timeSeriesCapacity: z._default(z.int().check(z.gte(4)), 2048),
  breakdownSampleInterval: z._default(z.int().check(z.positive()), 64),
  itlRelativeAccuracy: z._default(z.number().check(z.positive()).check(z.lte(0.1)), 1e-4),
  /** As `SimulationSettingsSchema.maxConcurrency`: vLLM bench's `--max-concurrency`. */
  maxConcurrency: z.optional(z.int().check(z.positive())),
  /** As `SimulationSettingsSchema.recordTokenTimes`: the tokens the client sees come from the decode pool. */
  recordTokenTimes: z._default(z.boolean(), false),
});

/** One pool of a disaggregated cluster: its performance model, instance count, KV blocks per instance and scheduler. */
export interface PoolOptions {
  /** Prices one step of one instance of this pool (pools may differ in xpu, TP and PP). */
  readonly performanceModel: PerformanceModel;
  readonly instances?: number;
  readonly kvCacheBlocks: number;
  readonly scheduler?: SchedulerConfigInput;
}

/** Everything `simulateDisaggregated` needs: the prefill and decode pools, the KV transfer, the requests and the router. */
export interface DisaggregatedSimulationOptions {
  readonly prefillPool: PoolOptions;
  readonly decodePool: PoolOptions;
  readonly kvTransfer: KvTransferSettingsInput;
  readonly requests: RequestSet;
  /** A built-in router name for both pools, one per pool, or any `DisaggregatedRouter`; round-robin by default. */
  readonly router?: RouterName | { readonly prefill: RouterName | Router; readonly decode: RouterName | Router } | DisaggregatedRouter;
  readonly timeSeriesCapacity?: number;
  readonly breakdownSampleInterval?: number;
  readonly itlRelativeAccuracy?: number;
  readonly maxConcurrency?: number;
  readonly recordTokenTimes?: boolean;
  /** Called now and then with the requests finished so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What one pool did over a run: its instances, busy time, utilization, KV use, steps and preemptions. */
export interface PoolStats {
  readonly instances: number;
  /** Indices of the pool's instances in `replicas` and `requests.replica` (prefill first, then decode). */
  readonly firstReplica: number;
  readonly kvCacheBlocksPerInstance: number;
  readonly busySecondsPerInstance: readonly number[];
  /** Busy time over the run's duration, averaged over the pool's instances, in [0, 1]. */
  readonly utilization: number;
  readonly kvCachePeakUtilization: number;
  readonly steps: number;
  readonly preemptions: number;
}

/** Per-request KV transfer times and waits, total bytes moved, and each link's utilization. */
export interface KvTransferResults {
  /** Per request: decode blocks reserved (transfer starts) to KV arrived, link wait or sharing and latency included; NaN for a failed request. */
  readonly transferSeconds: Float64Array;
  /** Per request: prompt computed to transfer start, the wait for blocks on the decode instance. */
  readonly waitSeconds: Float64Array;
  readonly bytesPerToken: number;
  readonly totalBytes: number;
  /** Per link: seconds with at least one transfer's bytes moving, over the run's duration. */
  readonly linkUtilization: readonly number[];
}

/**
 * The same shape as `simulate`'s result (so `summarizeSimulation` and every formatter work
 * unchanged), with prefill instances first in `replicas` and `requests.replica` naming the decode
 * instance, plus what only a disaggregated cluster has.
 */
export interface DisaggregatedSimulationResult extends SimulationResult {
  readonly prefillInstance: Int32Array;
  readonly kvTransfer: KvTransferResults;
  readonly pools: { readonly prefill: PoolStats; readonly decode: PoolStats };
}

/**
 * The order of events at one instant: step completions (in the order the steps started), then KV
 * transfers whose bytes finish, then KV arrivals on decode instances, then request arrivals; then
 * decode instances reserve blocks for waiting transfers (FCFS), and every idle instance with work
 * starts a step.
 */
export const DISAGGREGATED_EVENT_ORDER = ['step-end', 'kv-bytes-sent', 'kv-arrived', 'arrival', 'kv-reserve', 'schedule'] as const;

const STEP = 0;
const LINK = 1;
const KV_ARRIVED = 2;
const KINDS = 3;
// Simultaneous heap events pop by kind first, then by push order.
const KIND_RANK = 2 ** 44;

/**
 * Runs a disaggregated prefill/decode cluster. Each request: routed to a prefill instance, which
 * computes its prompt as vLLM's prefill side does (the proxy asks it for one token, which the client
 * never sees) and keeps its KV blocks; routed to a decode instance, which reserves blocks for the
 * prompt's KV (FCFS, only when free, and not ahead of its own preempted requests); the KV
 * (bytesPerToken x prompt tokens) moves over the link between the two (bytes / bandwidth + latency,
 * shared with concurrent transfers); the prefill blocks are freed when it arrives; the decode
 * instance then admits the request, recomputes its last prompt token and emits the first token the
 * client sees, then decodes as usual. TTFT therefore includes the prefill queue and step, the wait
 * for decode blocks, the transfer and the decode instance's first step, as vLLM's P/D proxy streams
 * the decode side's tokens. With prefix caching on in the prefill pool's scheduler and requests that
 * share prompt segments, each prefill instance keeps vLLM V1's prefix cache: a hit skips those blocks'
 * prefill, and a prompt's blocks stay cached (free, evicted least-recently-used) once its KV has left.
 * The decode instance still receives the whole prompt's KV: vLLM's NIXL connector would pull only the
 * blocks missing from the decode instance's own prefix cache, so transfer times here are an upper
 * bound for workloads that share prefixes. Deterministic for given options.
 */
export function simulateDisaggregated(options: DisaggregatedSimulationOptions): DisaggregatedSimulationResult {
  const { requests: requestSet, router: routerOption, onProgress, prefillPool, decodePool, ...rest } = options;
  const parsed = DisaggregatedSettingsSchema.safeParse({
    ...rest,
    prefillPool: { instances: prefillPool.instances, kvCacheBlocks: prefillPool.kvCacheBlocks, scheduler: prefillPool.scheduler },
    decodePool: { instances: decodePool.instances, kvCacheBlocks: decodePool.kvCacheBlocks, scheduler: decodePool.scheduler },
  }, ENGLISH_ISSUES);
  if (!parsed.success) {
    throw new SimulatorError('INVALID_CONFIG', `invalid disaggregated simulation options: ${formatIssues(parsed.error.issues)}`);
  }
  const settings = parsed.data;
  checkRequestSet(requestSet);
  const router = toRouter(routerOption);
  const P = settings.prefillPool.instances;
  const D = settings.decodePool.instances;
  const kv = settings.kvTransfer;

  const table = new RequestTable(
    Float64Array.from(requestSet.arrivalSeconds),
    Int32Array.from(requestSet.inputTokens),
    Int32Array.from(requestSet.outputTokens),
  );
  const n = table.count;
  const itl = new QuantileSketch(settings.itlRelativeAccuracy);
  const prefillOf = new Int32Array(n).fill(-1);
  const decodeOf = new Int32Array(n).fill(-1);
  const heldBlocks = new Int32Array(n);
  const promptDoneSeconds = new Float64Array(n).fill(NaN);
  const transferStartSeconds = new Float64Array(n).fill(NaN);
  const kvArrivedSeconds = new Float64Array(n).fill(NaN);

  let inSystem = 0;
  let inSystemIntegral = 0;
  let lastChangeSeconds = n > 0 ? table.arrivalSeconds[0] : 0;
  let endSeconds = lastChangeSeconds;
  let done = 0;
  const gate = new ArrivalGate(table.arrivalSeconds, settings.maxConcurrency, requestSet.previousTurn);
  const changeInSystem = (timeSeconds: number, delta: number): void => {
    inSystemIntegral += inSystem * (timeSeconds - lastChangeSeconds);
    lastChangeSeconds = timeSeconds;
    inSystem += delta;
  };

  const heap = new MinHeap(Math.max(16, P + D));
  let sequence = 0;
  const push = (timeSeconds: number, kind: number, payload: number): void => {
    heap.push(timeSeconds, kind * KIND_RANK + sequence++, payload * KINDS + kind);
  };
  const dirty = new Uint8Array(P + D);
  const dirtyList: number[] = [];
  const markDirty = (r: number): void => {
    if (dirty[r] === 0) {
      dirty[r] = 1;
      dirtyList.push(r);
    }
  };

  const pending = Array.from({ length: D }, () => new IntDeque(16));
  const incoming = new Int32Array(D);

  // Prefix caching lives in the prefill pool, as with vLLM's P/D connectors: a prefill instance skips
  // the prompt blocks it holds cached; the decode instance receives the whole prompt's KV.
  const prefillScheduler = settings.prefillPool.scheduler;
  const prefixKeys =
    prefillScheduler.enablePrefixCaching && requestSet.promptSegments !== undefined
      ? buildPrefixBlockKeys(requestSet.promptSegments, n, prefillScheduler.blockSize)
      : undefined;
  const tokenTimes = settings.recordTokenTimes ? new TokenTimeLog() : undefined;
  const replicas: Replica[] = [];
  const common = {
    requests: table,
    performanceModel: prefillPool.performanceModel,
    itl,
    operatorSampleInterval: settings.breakdownSampleInterval,
    seriesCapacity: settings.timeSeriesCapacity,
  };
  for (let i = 0; i < P; i++) {
    replicas.push(
      new Replica({
        ...common,
        index: i,
        options: settings.prefillPool.scheduler,
        kvCacheBlocks: settings.prefillPool.kvCacheBlocks,
        performanceModel: prefillPool.performanceModel,
        prefixCache: prefixKeys && prefixKeys.keyCount > 0 ? new PrefixCache(prefixKeys, n, settings.prefillPool.kvCacheBlocks) : undefined,
        onFinish: () => {
          throw new SimulatorError('INTERNAL', `prefill instance ${i} finished a request; prefill instances only compute prompts`);
        },
        onPromptComputed: (id, timeSeconds, held) => {
          heldBlocks[id] = held;
          promptDoneSeconds[id] = timeSeconds;
          const d = router.routeDecode(id, decodeLoads, i);
          if (!Number.isInteger(d) || d < 0 || d >= D) {
            throw new SimulatorError('INVALID_CONFIG', `router '${router.name}' returned decode instance ${d}; expected 0..${D - 1}`);
          }
          decodeOf[id] = d;
          incoming[d]++;
          pending[d].pushBack(id);
          markDirty(P + d);
        },
      }),
    );
  }
  for (let j = 0; j < D; j++) {
    replicas.push(
      new Replica({
        ...common,
        index: P + j,
        options: settings.decodePool.scheduler,
        kvCacheBlocks: settings.decodePool.kvCacheBlocks,
        performanceModel: decodePool.performanceModel,
        tokenTimes,
        onFinish: (id, timeSeconds) => {
          changeInSystem(timeSeconds, -1);
          gate.release(timeSeconds, id);
          done++;
          if (timeSeconds > endSeconds) endSeconds = timeSeconds;
        },
      }),
    );
  }
  const prefills = replicas.slice(0, P);
  const decodes = replicas.slice(P);
  const decodeLoads: ReplicaLoad[] = decodes.map((r, j) => ({
    get outstandingRequests() {
      return r.outstandingRequests + incoming[j];
    },
    get waitingRequests() {
      return r.waitingRequests + incoming[j];
    },
    get runningRequests() {
      return r.runningRequests;
    },
    get kvCacheUtilization() {
      return r.kvCacheUtilization;
    },
  }));

  const links = Array.from({ length: kv.links === 'shared' ? 1 : P * D }, () => new KvLink(kv.bandwidthBytesPerSecond, kv.sharing));
  const linkOf = (p: number, d: number): number => (kv.links === 'shared' ? 0 : p * D + d);
  const onBytesSent = (id: number, timeSeconds: number, nowSeconds: number): void => {
    push(Math.max(nowSeconds, timeSeconds + kv.latencySeconds), KV_ARRIVED, id);
  };
  const scheduleLink = (l: number, nowSeconds: number): void => {
    const link = links[l];
    const next = link.nextCompletionSeconds();
    if (next === Infinity || next === link.scheduledSeconds) return;
    link.scheduledSeconds = Math.max(nowSeconds, next);
    push(link.scheduledSeconds, LINK, l);
  };
  const decodeBlockSize = settings.decodePool.scheduler.blockSize;
  const reserve = (d: number, nowSeconds: number): void => {
    const replica = decodes[d];
    const queue = pending[d];
    // FCFS: the instance's own preempted requests (waiting for blocks) come first.
    while (queue.size > 0 && replica.waitingWithoutKv === 0) {
      const id = queue.peekFront();
      const blocks = Math.ceil(table.inputTokens[id] / decodeBlockSize);
      if (blocks > replica.freeKvBlocks) return;
      queue.popFront();
      replica.reserveKvBlocks(blocks);
      transferStartSeconds[id] = nowSeconds;
      const bytes = kv.bytesPerToken * table.inputTokens[id];
      const l = linkOf(prefillOf[id], d);
      const link = links[l];
      if (link.sharesFairly) {
        link.addFair(nowSeconds, id, bytes, (x, t) => onBytesSent(x, t, nowSeconds));
        scheduleLink(l, nowSeconds);
      } else {
        push(link.sendFifo(nowSeconds, bytes) + kv.latencySeconds, KV_ARRIVED, id);
      }
    }
  };

  const limits = failureLimits(settings.prefillPool, settings.decodePool);
  const series = new MultiSeries(['batchSize', 'runningRequests', 'waitingRequests', 'kvCacheUtilization'], settings.timeSeriesCapacity);
  const totalBlocks = P * settings.prefillPool.kvCacheBlocks + D * settings.decodePool.kvCacheBlocks;
  let eventsSinceProgress = 0;
  // Closed-form decode runs (when the model prices them): extended once every instance has started at an instant.
  const pendingRuns = new PendingDecodeRuns();
  const nextEventSeconds = (): number => Math.min(gate.nextSeconds(), heap.peekKey());
  const pushStepEnd = (r: number, endSeconds: number, tie: number): void => heap.push(endSeconds, tie, r * KINDS + STEP);

  for (;;) {
    const eventTime = heap.peekKey();
    const arrivalTime = gate.nextSeconds();
    const now = Math.min(eventTime, arrivalTime);
    if (now === Infinity) break;
    while (heap.size > 0 && heap.peekKey() === now) {
      const value = heap.pop();
      const kind = value % KINDS;
      const payload = (value - kind) / KINDS;
      if (kind === STEP) {
        replicas[payload].completeStep(now);
        markDirty(payload);
      } else if (kind === LINK) {
        const link = links[payload];
        if (link.scheduledSeconds !== now) continue;
        link.scheduledSeconds = Infinity;
        link.advance(now, (id, t) => onBytesSent(id, t, now));
        scheduleLink(payload, now);
      } else {
        const id = payload;
        const p = prefillOf[id];
        const d = decodeOf[id];
        kvArrivedSeconds[id] = now;
        prefills[p].releaseKvBlocks(id, heldBlocks[id]);
        markDirty(p);
        incoming[d]--;
        decodes[d].enqueueWithKv(id);
        markDirty(P + d);
      }
    }
    while (gate.nextSeconds() === now) {
      const id = gate.take(now);
      const reason = limits(table.inputTokens[id], table.outputTokens[id]);
      if (reason !== undefined) {
        table.state[id] = RequestState.failed;
        table.failureReason[id] = FAILURE_REASONS.indexOf(reason);
        table.finishSeconds[id] = now;
        gate.release(now, id);
        done++;
        if (now > endSeconds) endSeconds = now;
        continue;
      }
      const p = router.routePrefill(id, prefills);
      if (!Number.isInteger(p) || p < 0 || p >= P) {
        throw new SimulatorError('INVALID_CONFIG', `router '${router.name}' returned prefill instance ${p}; expected 0..${P - 1}`);
      }
      changeInSystem(now, 1);
      prefillOf[id] = p;
      prefills[p].enqueue(id);
      markDirty(p);
    }
    for (let i = 0; i < dirtyList.length; i++) {
      const r = dirtyList[i];
      if (r >= P) reserve(r - P, now);
    }
    for (let i = 0; i < dirtyList.length; i++) {
      const r = dirtyList[i];
      dirty[r] = 0;
      const replica = replicas[r];
      if (replica.isBusy) continue;
      const seconds = replica.startStep(now);
      if (seconds > 0) {
        if (replica.canExtendDecodeRun) pendingRuns.add(r, STEP * KIND_RANK + sequence++, now + seconds);
        else push(now + seconds, STEP, r);
        if (series.willKeep()) keepClusterSample(series, now, replica, replicas, totalBlocks);
      }
    }
    dirtyList.length = 0;
    if (pendingRuns.size > 0) pendingRuns.flush(replicas, nextEventSeconds, series, pushStepEnd);
    if (onProgress && ++eventsSinceProgress >= 4096) {
      eventsSinceProgress = 0;
      onProgress(done, n);
    }
  }
  onProgress?.(done, n);

  const base = collectResult(table, replicas, itl, inSystemIntegral, endSeconds, settings.decodePool.kvCacheBlocks, series.toJSON() as SimulationSeries);
  const transferSeconds = new Float64Array(n).fill(NaN);
  const waitSeconds = new Float64Array(n).fill(NaN);
  let totalBytes = 0;
  for (let i = 0; i < n; i++) {
    if (table.state[i] !== RequestState.finished) continue;
    transferSeconds[i] = kvArrivedSeconds[i] - transferStartSeconds[i];
    waitSeconds[i] = transferStartSeconds[i] - promptDoneSeconds[i];
    totalBytes += kv.bytesPerToken * table.inputTokens[i];
  }
  const duration = base.durationSeconds;
  const pool = (first: number, count: number, blocks: number): PoolStats => {
    const stats = base.replicas.slice(first, first + count);
    const busy = stats.map((s) => s.busySeconds);
    return {
      instances: count,
      firstReplica: first,
      kvCacheBlocksPerInstance: blocks,
      busySecondsPerInstance: busy,
      utilization: duration > 0 ? busy.reduce((a, b) => a + b, 0) / count / duration : 0,
      kvCachePeakUtilization: Math.max(...stats.map((s) => s.peakKvUtilization)),
      steps: stats.reduce((a, s) => a + s.steps, 0),
      preemptions: stats.reduce((a, s) => a + s.preemptions, 0),
    };
  };
  return {
    ...base,
    ...(tokenTimes === undefined ? {} : { tokenTimes: tokenTimes.build(n) }),
    prefillInstance: prefillOf,
    kvTransfer: {
      transferSeconds,
      waitSeconds,
      bytesPerToken: kv.bytesPerToken,
      totalBytes,
      linkUtilization: links.map((l) => (duration > 0 ? l.busySeconds / duration : 0)),
    },
    pools: {
      prefill: pool(0, P, settings.prefillPool.kvCacheBlocks),
      decode: pool(P, D, settings.decodePool.kvCacheBlocks),
    },
  };
}

function toRouter(option: DisaggregatedSimulationOptions['router']): DisaggregatedRouter {
  if (option === undefined || typeof option === 'string') return createDisaggregatedRouter(option ?? 'round-robin');
  if ('routePrefill' in option) return option;
  return createDisaggregatedRouter(option.prefill, option.decode);
}

type PoolSettings = z.infer<typeof PoolSettingsSchema>;

/**
 * Why a request can never be served, or undefined: its prompt must fit one prefill instance's KV
 * cache, prompt + output - 1 one decode instance's (the last output token is never fed back), both
 * pools' max_model_len, and without chunked prefill the prompt must fit the prefill budget and,
 * since a preempted decode recomputes prompt and output, prompt + output - 1 the decode budget.
 */
function failureLimits(prefill: PoolSettings, decode: PoolSettings): (input: number, output: number) => FailureReason | undefined {
  const ps = prefill.scheduler;
  const ds = decode.scheduler;
  const maxLen = Math.min(ps.maxModelLen ?? Infinity, ds.maxModelLen ?? Infinity);
  const prefillTokens = prefill.kvCacheBlocks * ps.blockSize;
  const decodeTokens = decode.kvCacheBlocks * ds.blockSize;
  return (input, output) => {
    if (input + output > maxLen) return 'exceeds_max_model_len';
    if (input > prefillTokens || input + output - 1 > decodeTokens) return 'exceeds_kv_cache_capacity';
    if ((!ps.enableChunkedPrefill && input > ps.maxNumBatchedTokens) || (!ds.enableChunkedPrefill && input + output - 1 > ds.maxNumBatchedTokens)) {
      return 'exceeds_max_num_batched_tokens';
    }
    return undefined;
  };
}
