import * as z from 'zod/mini';
import { ArrivalGate } from './arrival-gate.ts';
import { TokenTimeLog, type TokenTimes } from './token-times.ts';
import { SimulatorError, formatIssues } from './errors.ts';
import { MinHeap } from './min-heap.ts';
import type { OperatorName, PerformanceModel } from './performance-model.ts';
import { QuantileSketch } from './quantile-sketch.ts';
import { PendingDecodeRuns } from './pending-decode-runs.ts';
import { PrefixCache, buildPrefixBlockKeys } from './prefix-cache.ts';
import { Replica, type ReplicaStats } from './replica.ts';
import { quietOffers } from './sampled-series.ts';
import { FAILURE_REASONS, RequestState, RequestStatus, RequestTable, type FailureReason } from './request-table.ts';
import type { Router } from './router.ts';
import { createRouter, type RouterName } from './routers.ts';
import { SchedulerConfigSchema, type SchedulerConfigInput } from './scheduler-config.ts';
import type { RequestSet } from './workload.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

/** Service-level objectives for goodput, in milliseconds, as vLLM's `--goodput ttft:MS tpot:MS e2el:MS`. */
export const GoodputSloSchema = z.object({
  ttft: z.optional(z.number().check(z.positive())),
  tpot: z.optional(z.number().check(z.positive())),
  e2el: z.optional(z.number().check(z.positive())),
});
/** Service-level objectives for goodput, in milliseconds: a request counts as good when it meets every one given. */
export type GoodputSlo = z.infer<typeof GoodputSloSchema>;

/** The plain-data options of a run (everything but the model, the requests, a custom router and callbacks). */
export const SimulationSettingsSchema = z.object({
  /** Identical model instances (each with its own TP x PP devices) behind the router. */
  numReplicas: z._default(z.int().check(z.positive()), 1),
  /** KV-cache capacity of one replica in blocks of `scheduler.blockSize` tokens (the factory derives it from the memory plan). */
  kvCacheBlocksPerReplica: z.int().check(z.positive()),
  scheduler: z.prefault(SchedulerConfigSchema, {}),
  /** Most points kept in the time series. */
  timeSeriesCapacity: z._default(z.int().check(z.gte(4)), 2048),
  /** Every Nth step of a replica is priced with its operator breakdown (see `operatorSeconds`). */
  breakdownSampleInterval: z._default(z.int().check(z.positive()), 64),
  /** Relative accuracy of the ITL quantiles (count, mean and std are exact). */
  itlRelativeAccuracy: z._default(z.number().check(z.positive()).check(z.lte(0.1)), 1e-4),
  /**
   * At most this many requests outstanding, as `vllm bench serve --max-concurrency` (see
   * `ArrivalGate`); none by default. With all-at-once arrivals it is a closed loop.
   */
  maxConcurrency: z.optional(z.int().check(z.positive())),
  /**
   * Keep every request's token times (`SimulationResult.tokenTimes`, vLLM's detailed `itls`): memory
   * per token, and the replicas go step by step instead of in closed-form decode runs. Off by default.
   */
  recordTokenTimes: z._default(z.boolean(), false),
});

/** Everything `simulate` needs: the performance model, the requests, the replicas and their scheduler, the router, and callbacks. */
export interface SimulationOptions {
  readonly performanceModel: PerformanceModel;
  /** The requests to send, sorted by arrival (`generateRequests`, `parseTraceCsv`, `sampleRequestsFrom`). */
  readonly requests: RequestSet;
  readonly numReplicas?: number;
  readonly kvCacheBlocksPerReplica: number;
  readonly scheduler?: SchedulerConfigInput;
  /** A built-in router by name, or any `Router`; round-robin by default. */
  readonly router?: RouterName | Router;
  readonly timeSeriesCapacity?: number;
  readonly breakdownSampleInterval?: number;
  readonly itlRelativeAccuracy?: number;
  readonly maxConcurrency?: number;
  readonly recordTokenTimes?: boolean;
  /** With `scheduler.speculative`: prices drafting one token for a batch (a draft model, an EAGLE/MTP head); free when absent (n-gram). */
  readonly proposer?: PerformanceModel;
  /** Called every few thousand events, and at the end, with requests done (completed or failed) and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Per-request outcomes, column by column, indexed like the request set. NaN where not applicable. */
export interface PerRequestResults {
  readonly arrivalSeconds: Float64Array;
  readonly inputTokens: Int32Array;
  readonly outputTokens: Int32Array;
  /** When the request was first scheduled (queueing delay = this - arrival); NaN if never. */
  readonly firstScheduledSeconds: Float64Array;
  readonly firstTokenSeconds: Float64Array;
  /** Finish time; for a failed request, when it was rejected (its arrival). */
  readonly finishSeconds: Float64Array;
  readonly preemptions: Int32Array;
  /** Replica index; -1 for a request that failed before routing. */
  readonly replica: Int32Array;
  /** A `RequestStatus` value: finished or failed once a run ends. */
  readonly status: Uint8Array;
  /** Index into FAILURE_REASONS; 0 for a completed request. */
  readonly failureReason: Uint8Array;
  readonly ttftSeconds: Float64Array;
  /** (e2e - ttft) / (output - 1); NaN when output is 1. */
  readonly tpotSeconds: Float64Array;
  readonly e2elSeconds: Float64Array;
  /** Arrival to first scheduled (vLLM's queue time). */
  readonly queueingDelaySeconds: Float64Array;
}

/** Cluster-wide series sampled at step starts (any replica), at most `timeSeriesCapacity` points. */
export interface SimulationSeries {
  readonly timeSeconds: number[];
  /** Sequences in the step that starts. */
  readonly batchSize: number[];
  readonly runningRequests: number[];
  readonly waitingRequests: number[];
  /** KV blocks in use over all replicas / all blocks. */
  readonly kvCacheUtilization: number[];
  readonly [name: string]: number[];
}

/** What a simulated run measured: per-request times, counts, the time by operator and per-replica statistics; `summarizeSimulation` turns it into vLLM's metrics. */
export interface SimulationResult {
  readonly requests: PerRequestResults;
  readonly completed: number;
  readonly failed: number;
  readonly failures: Partial<Record<FailureReason, number>>;
  /** Benchmark start (first arrival) and end (last completion or failure), as `vllm bench serve` times them. */
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly durationSeconds: number;
  /** Every inter-token gap of every request, in seconds. */
  readonly itlSeconds: QuantileSketch;
  readonly preemptions: number;
  readonly steps: number;
  /** Sequences per step, averaged over all steps of all replicas. */
  readonly meanBatchSize: number;
  readonly kvCachePeakUtilization: number;
  readonly kvCacheBlocksPerReplica: number;
  /** Prompt tokens looked up in the prefix cache and found there, over all admissions (vLLM's counters); 0 with caching off. */
  readonly prefixCacheQueries: number;
  readonly prefixCacheHits: number;
  /** Prefill time the hits saved, priced as lone prefills (see `ReplicaStats.prefillSecondsSaved`). */
  readonly prefillSecondsSaved: number;
  /** Speculative decoding: verification passes (one per decoding request per step) and the tokens they emitted. */
  readonly speculativeVerifications: number;
  readonly speculativeTokensEmitted: number;
  readonly busySecondsPerReplica: readonly number[];
  /** Busy time by operator, summed over replicas (a 1-in-N sample of steps sets the split; the total is exact). */
  readonly operatorSeconds: Partial<Record<OperatorName, number>>;
  /** Time-average of requests in the system (waiting or running) over the duration. */
  readonly meanConcurrentRequests: number;
  readonly series: SimulationSeries;
  readonly replicas: readonly ReplicaStats[];
  readonly numReplicas: number;
  /** With `recordTokenTimes`: when each request's tokens (chunks, with speculation) were emitted. */
  readonly tokenTimes?: TokenTimes;
}

/**
 * The order of events that fall on the same instant: step completions first (so that finished
 * requests leave and free their blocks before a router looks at the load), then arrivals (in
 * request order); replicas schedule their next step only after every event of the instant, so a
 * request that arrives exactly when a step ends joins the next step. Ties between replicas go by
 * the order their steps were started.
 */
export const SIMULTANEOUS_EVENT_ORDER = ['step-end', 'arrival', 'schedule'] as const;

/** Samples the cluster-wide series at the start of `replica`'s step: its batch, and requests and KV blocks over all replicas. */
export function keepClusterSample(series: MultiSeries, now: number, replica: Replica, replicas: readonly Replica[], totalBlocks: number): void {
  let running = 0;
  let waiting = 0;
  let used = 0;
  for (const x of replicas) {
    running += x.runningRequests;
    waiting += x.waitingRequests;
    used += x.usedKvBlocks;
  }
  series.keep(now, [replica.stepSequences, running, waiting, used / totalBlocks]);
}

/** Runs one discrete-event simulation. Deterministic: the same options give the same result. */
export function simulate(options: SimulationOptions): SimulationResult {
  const { performanceModel, requests: requestSet, router: routerOption, onProgress, proposer, ...rest } = options;
  const parsed = SimulationSettingsSchema.safeParse(rest, ENGLISH_ISSUES);
  if (!parsed.success) {
    throw new SimulatorError('INVALID_CONFIG', `invalid simulation options: ${formatIssues(parsed.error.issues)}`);
  }
  const settings = parsed.data;
  checkRequestSet(requestSet);
  const router = typeof routerOption === 'object' ? routerOption : createRouter(routerOption ?? 'round-robin');

  const table = new RequestTable(
    Float64Array.from(requestSet.arrivalSeconds),
    Int32Array.from(requestSet.inputTokens),
    Int32Array.from(requestSet.outputTokens),
  );
  const itl = new QuantileSketch(settings.itlRelativeAccuracy);
  const n = table.count;

  let inSystem = 0;
  let inSystemIntegral = 0;
  let lastChangeSeconds = n > 0 ? table.arrivalSeconds[0] : 0;
  let endSeconds = lastChangeSeconds;
  let done = 0;
  const changeInSystem = (timeSeconds: number, delta: number): void => {
    inSystemIntegral += inSystem * (timeSeconds - lastChangeSeconds);
    lastChangeSeconds = timeSeconds;
    inSystem += delta;
  };
  const gate = new ArrivalGate(table.arrivalSeconds, settings.maxConcurrency, requestSet.previousTurn);
  const onFinish = (id: number, timeSeconds: number): void => {
    changeInSystem(timeSeconds, -1);
    gate.release(timeSeconds, id);
    done++;
    if (timeSeconds > endSeconds) endSeconds = timeSeconds;
  };

  const scheduler = settings.scheduler;
  const prefixKeys =
    scheduler.enablePrefixCaching && requestSet.promptSegments !== undefined
      ? buildPrefixBlockKeys(requestSet.promptSegments, n, scheduler.blockSize)
      : undefined;
  const tokenTimes = settings.recordTokenTimes ? new TokenTimeLog() : undefined;
  const replicas: Replica[] = [];
  for (let i = 0; i < settings.numReplicas; i++) {
    replicas.push(
      new Replica({
        index: i,
        requests: table,
        options: settings.scheduler,
        kvCacheBlocks: settings.kvCacheBlocksPerReplica,
        performanceModel,
        itl,
        onFinish,
        operatorSampleInterval: settings.breakdownSampleInterval,
        seriesCapacity: settings.timeSeriesCapacity,
        prefixCache: prefixKeys && prefixKeys.keyCount > 0 ? new PrefixCache(prefixKeys, n, settings.kvCacheBlocksPerReplica) : undefined,
        proposer,
        tokenTimes,
      }),
    );
  }
  const { blockSize, maxModelLen, enableChunkedPrefill, maxNumBatchedTokens } = settings.scheduler;
  const kvCapacityTokens = settings.kvCacheBlocksPerReplica * blockSize;
  const series = new MultiSeries(['batchSize', 'runningRequests', 'waitingRequests', 'kvCacheUtilization'], settings.timeSeriesCapacity);
  const totalBlocks = settings.kvCacheBlocksPerReplica * settings.numReplicas;

  const stepEvents = new MinHeap(Math.max(16, settings.numReplicas));
  let eventSequence = 0;
  const dirty = new Uint8Array(settings.numReplicas);
  const dirtyList: number[] = [];
  const markDirty = (r: number): void => {
    if (dirty[r] === 0) {
      dirty[r] = 1;
      dirtyList.push(r);
    }
  };
  let eventsSinceProgress = 0;
  // Closed-form decode runs (when the model prices them): extended once every replica has started at an instant.
  const pendingRuns = new PendingDecodeRuns();
  // With a concurrency cap the gate opens only at a finish, which ends a run (its own) or is an event (another replica's).
  const nextEventSeconds = (): number => Math.min(gate.nextSeconds(), stepEvents.peekKey());
  const pushStepEnd = (r: number, endSeconds: number, tie: number): void => stepEvents.push(endSeconds, tie, r);

  for (;;) {
    const stepTime = stepEvents.peekKey();
    const arrivalTime = gate.nextSeconds();
    const now = Math.min(stepTime, arrivalTime);
    if (now === Infinity) break;
    while (stepEvents.size > 0 && stepEvents.peekKey() === now) {
      const r = stepEvents.pop();
      replicas[r].completeStep(now);
      markDirty(r);
    }
    while (gate.nextSeconds() === now) {
      const id = gate.take(now);
      const input = table.inputTokens[id];
      const output = table.outputTokens[id];
      // The KV cache holds the prompt and every output token but the last (never fed back).
      const reason: FailureReason | undefined =
        maxModelLen !== undefined && input + output > maxModelLen
          ? 'exceeds_max_model_len'
          : input + output - 1 > kvCapacityTokens
            ? 'exceeds_kv_cache_capacity'
            : !enableChunkedPrefill && input + output - 1 > maxNumBatchedTokens
              ? 'exceeds_max_num_batched_tokens'
              : undefined;
      if (reason !== undefined) {
        table.state[id] = RequestState.failed;
        table.failureReason[id] = FAILURE_REASONS.indexOf(reason);
        table.finishSeconds[id] = now;
        gate.release(now, id);
        done++;
        if (now > endSeconds) endSeconds = now;
        continue;
      }
      const r = router.route(id, replicas);
      if (!Number.isInteger(r) || r < 0 || r >= replicas.length) {
        throw new SimulatorError('INVALID_CONFIG', `router '${router.name}' returned replica ${r}; expected 0..${replicas.length - 1}`);
      }
      changeInSystem(now, 1);
      replicas[r].enqueue(id);
      markDirty(r);
    }
    for (let i = 0; i < dirtyList.length; i++) {
      const r = dirtyList[i];
      dirty[r] = 0;
      const replica = replicas[r];
      if (replica.isBusy) continue;
      const seconds = replica.startStep(now);
      if (seconds > 0) {
        const tie = eventSequence++;
        if (replica.canExtendDecodeRun) pendingRuns.add(r, tie, now + seconds);
        else stepEvents.push(now + seconds, tie, r);
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

  const result = collectResult(table, replicas, itl, inSystemIntegral, endSeconds, settings.kvCacheBlocksPerReplica, series.toJSON() as SimulationSeries);
  return tokenTimes === undefined ? result : { ...result, tokenTimes: tokenTimes.build(n) };
}

/** Several values sampled at the same instants, decimated like `SampledSeries`. */
export class MultiSeries {
  private readonly names: readonly string[];
  private readonly capacity: number;
  private readonly times: Float64Array;
  private readonly values: Float64Array[];
  private length = 0;
  private stride = 1;
  private offered = 0;

  constructor(names: readonly string[], capacity: number) {
    this.names = names;
    this.capacity = capacity - (capacity % 2);
    this.times = new Float64Array(this.capacity);
    this.values = names.map(() => new Float64Array(this.capacity));
  }

  /** Whether the next offered point is kept; call `keep` exactly when it is. */
  willKeep(): boolean {
    const keep = this.offered % this.stride === 0;
    this.offered++;
    return keep;
  }

  /** Offers to come that will not be kept: that many can be skipped with `skipOffers`. */
  quietOffers(): number {
    return quietOffers(this.offered, this.stride);
  }

  /** Counts offers that are not kept without recording them. */
  skipOffers(count: number): void {
    this.offered += count;
  }

  keep(timeSeconds: number, values: readonly number[]): void {
    if (this.length === this.capacity) {
      for (let i = 0; i < this.capacity / 2; i++) {
        this.times[i] = this.times[2 * i];
        for (const v of this.values) v[i] = v[2 * i];
      }
      this.length = this.capacity / 2;
      this.stride *= 2;
      if ((this.offered - 1) % this.stride !== 0) return;
    }
    this.times[this.length] = timeSeconds;
    for (let k = 0; k < this.values.length; k++) this.values[k][this.length] = values[k];
    this.length++;
  }

  toJSON(): Record<string, number[]> {
    const out: Record<string, number[]> = { timeSeconds: Array.from(this.times.subarray(0, this.length)) };
    this.names.forEach((name, k) => {
      out[name] = Array.from(this.values[k].subarray(0, this.length));
    });
    return out;
  }
}

export function checkRequestSet(set: RequestSet): void {
  const n = set.arrivalSeconds.length;
  if (set.previousTurn !== undefined && set.previousTurn.length !== n) {
    throw new SimulatorError('INVALID_WORKLOAD', `requests: previousTurn must have one entry per request (${n}), got ${set.previousTurn.length}`);
  }
  if (set.inputTokens.length !== n || set.outputTokens.length !== n) {
    throw new SimulatorError(
      'INVALID_WORKLOAD',
      `requests: arrivalSeconds, inputTokens and outputTokens must have the same length (${n}, ${set.inputTokens.length}, ${set.outputTokens.length})`,
    );
  }
  let followed: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const a = set.arrivalSeconds[i];
    if (!Number.isFinite(a) || (i > 0 && a < set.arrivalSeconds[i - 1])) {
      throw new SimulatorError('INVALID_WORKLOAD', `requests[${i}].arrivalSeconds must be finite and not before the previous request's, got ${a}`);
    }
    const previous = set.previousTurn?.[i] ?? -1;
    if (!Number.isInteger(previous) || previous < -1 || previous >= i) {
      throw new SimulatorError('INVALID_WORKLOAD', `requests[${i}].previousTurn must be -1 or an earlier request's index, got ${previous}`);
    }
    if (previous >= 0) {
      followed ??= new Uint8Array(n);
      if (followed[previous] === 1) throw new SimulatorError('INVALID_WORKLOAD', `requests[${i}].previousTurn: request ${previous} is already followed by another turn`);
      followed[previous] = 1;
    }
    if (!(set.inputTokens[i] >= 1) || !(set.outputTokens[i] >= 1)) {
      throw new SimulatorError(
        'INVALID_WORKLOAD',
        `requests[${i}]: inputTokens and outputTokens must be at least 1, got ${set.inputTokens[i]} and ${set.outputTokens[i]}`,
      );
    }
  }
}

export function collectResult(
  t: RequestTable,
  replicas: readonly Replica[],
  itl: QuantileSketch,
  inSystemIntegral: number,
  endSeconds: number,
  kvCacheBlocksPerReplica: number,
  series: SimulationSeries,
): SimulationResult {
  const n = t.count;
  const ttft = new Float64Array(n).fill(NaN);
  const tpot = new Float64Array(n).fill(NaN);
  const e2el = new Float64Array(n).fill(NaN);
  const queueing = new Float64Array(n).fill(NaN);
  const status = new Uint8Array(n);
  let completed = 0;
  let failed = 0;
  const failures: Partial<Record<FailureReason, number>> = {};
  for (let i = 0; i < n; i++) {
    if (t.state[i] === RequestState.failed) {
      failed++;
      status[i] = RequestStatus.failed;
      const reason = FAILURE_REASONS[t.failureReason[i]];
      failures[reason] = (failures[reason] ?? 0) + 1;
      continue;
    }
    if (t.state[i] !== RequestState.finished) {
      throw new SimulatorError('INTERNAL', `request ${i} neither finished nor failed (state ${t.state[i]})`);
    }
    completed++;
    status[i] = RequestStatus.finished;
    const a = t.arrivalSeconds[i];
    ttft[i] = t.firstTokenSeconds[i] - a;
    e2el[i] = t.finishSeconds[i] - a;
    queueing[i] = t.firstScheduledSeconds[i] - a;
    if (t.outputTokens[i] > 1) tpot[i] = (e2el[i] - ttft[i]) / (t.outputTokens[i] - 1);
  }
  const startSeconds = n > 0 ? t.arrivalSeconds[0] : 0;
  const durationSeconds = endSeconds - startSeconds;
  const stats = replicas.map((r) => r.stats());
  let steps = 0;
  let sequences = 0;
  let preemptions = 0;
  let peak = 0;
  let prefixCacheQueries = 0;
  let prefixCacheHits = 0;
  let prefillSecondsSaved = 0;
  let speculativeVerifications = 0;
  let speculativeTokensEmitted = 0;
  const operatorSeconds: Partial<Record<OperatorName, number>> = {};
  for (const s of stats) {
    steps += s.steps;
    sequences += s.meanBatchSize * s.steps;
    preemptions += s.preemptions;
    peak = Math.max(peak, s.peakKvUtilization);
    prefixCacheQueries += s.prefixCacheQueryTokens;
    prefixCacheHits += s.prefixCacheHitTokens;
    prefillSecondsSaved += s.prefillSecondsSaved;
    speculativeVerifications += s.speculativeVerifications;
    speculativeTokensEmitted += s.speculativeTokensEmitted;
    for (const [op, seconds] of Object.entries(s.timeByOperatorSeconds) as [OperatorName, number][]) {
      operatorSeconds[op] = (operatorSeconds[op] ?? 0) + seconds;
    }
  }
  return {
    requests: {
      arrivalSeconds: t.arrivalSeconds,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      firstScheduledSeconds: t.firstScheduledSeconds,
      firstTokenSeconds: t.firstTokenSeconds,
      finishSeconds: t.finishSeconds,
      preemptions: t.preemptions,
      replica: t.replica,
      status,
      failureReason: t.failureReason,
      ttftSeconds: ttft,
      tpotSeconds: tpot,
      e2elSeconds: e2el,
      queueingDelaySeconds: queueing,
    },
    completed,
    failed,
    failures,
    startSeconds,
    endSeconds,
    durationSeconds,
    itlSeconds: itl,
    preemptions,
    steps,
    meanBatchSize: steps > 0 ? sequences / steps : 0,
    kvCachePeakUtilization: peak,
    kvCacheBlocksPerReplica,
    prefixCacheQueries,
    prefixCacheHits,
    prefillSecondsSaved,
    speculativeVerifications,
    speculativeTokensEmitted,
    busySecondsPerReplica: stats.map((s) => s.busySeconds),
    operatorSeconds,
    meanConcurrentRequests: durationSeconds > 0 ? inSystemIntegral / durationSeconds : 0,
    series,
    replicas: stats,
    numReplicas: replicas.length,
  };
}
