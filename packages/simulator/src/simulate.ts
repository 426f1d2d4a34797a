import type { OperatorName, PerformanceModel, StepBatch } from './performance-model.ts';
import { QuantileSketch } from './quantile-sketch.ts';
import { createRouter, type ReplicaLoad, type Router, type RouterName } from './routers.ts';
import { SchedulerConfigSchema, type SchedulerConfigInput } from './scheduler-config.ts';
import { SimulatorError, formatIssues } from './errors.ts';
import { DecimatingSeries } from './time-series.ts';
import type { RequestSet } from './workload.ts';

export const RequestStatus = { pending: 0, waiting: 1, running: 2, finished: 3, failed: 4 } as const;
export const FAILURE_REASONS = ['none', 'exceeds_max_model_len', 'exceeds_kv_cache_capacity'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * Order of events at the same simulated instant: steps that end complete first (their tokens are
 * emitted and their blocks freed), then requests that arrive are queued, then every idle replica
 * schedules its next step. A request that arrives exactly when a step ends therefore joins the next step.
 * Among replicas, lower indices go first.
 */
export const SIMULTANEOUS_EVENT_ORDER = ['step-end', 'arrival', 'schedule'] as const;

export interface SimulationOptions {
  readonly performanceModel: PerformanceModel;
  readonly requests: RequestSet;
  readonly numReplicas?: number;
  /** KV-cache capacity of one replica in blocks of `scheduler.blockSize` tokens (from the memory plan). */
  readonly kvCacheBlocksPerReplica: number;
  readonly scheduler?: SchedulerConfigInput;
  readonly router?: RouterName | Router;
  /** Points kept per time series (sampled at step ends, decimated). */
  readonly timeSeriesCapacity?: number;
  /** One step in this many is priced with its breakdown to split time by operator. */
  readonly breakdownSampleInterval?: number;
  /** Called every few thousand steps with completed and total requests. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface PerRequestResults {
  readonly arrivalSeconds: Float64Array;
  readonly inputTokens: Int32Array;
  readonly outputTokens: Int32Array;
  /** When the request was first scheduled (queueing delay = this - arrival); NaN if never. */
  readonly firstScheduledSeconds: Float64Array;
  readonly firstTokenSeconds: Float64Array;
  readonly finishSeconds: Float64Array;
  readonly preemptions: Int32Array;
  readonly replica: Int32Array;
  readonly status: Uint8Array;
  /** Index into FAILURE_REASONS. */
  readonly failureReason: Uint8Array;
}

export interface SimulationResult {
  readonly requests: PerRequestResults;
  readonly completed: number;
  readonly failed: number;
  readonly failures: Partial<Record<FailureReason, number>>;
  /** From time 0 (the first request is sent) to the last completion. */
  readonly durationSeconds: number;
  readonly itlSeconds: QuantileSketch;
  readonly preemptions: number;
  readonly steps: number;
  /** Mean number of sequences in a step. */
  readonly meanBatchSize: number;
  readonly kvCachePeakUtilization: number;
  readonly kvCacheBlocksPerReplica: number;
  readonly busySecondsPerReplica: readonly number[];
  /** Step time split by operator (estimated from a 1-in-N sample of steps, scaled to the busy time). */
  readonly operatorSeconds: Partial<Record<OperatorName, number>>;
  readonly series: ReturnType<DecimatingSeries['toJSON']>;
  readonly numReplicas: number;
}

interface MutableBatch {
  prefillSequences: number;
  prefillTokens: number;
  prefillCachedTokens: number;
  prefillAttentionPairs: number;
  decodeSequences: number;
  decodeCachedTokens: number;
}

class Replica {
  readonly index: number;
  readonly running: Int32Array;
  runningCount = 0;
  /** FIFO of waiting requests; preempted ones go to `front` (a stack: the last preempted is next). */
  readonly queue: Int32Array;
  queueHead = 0;
  queueTail = 0;
  readonly front: number[] = [];
  freeBlocks: number;
  outstanding = 0;
  busy = false;
  stepEnd = Infinity;
  busySeconds = 0;
  readonly scheduled: Int32Array;
  readonly scheduledTokens: Int32Array;
  scheduledCount = 0;
  readonly batch: MutableBatch = {
    prefillSequences: 0,
    prefillTokens: 0,
    prefillCachedTokens: 0,
    prefillAttentionPairs: 0,
    decodeSequences: 0,
    decodeCachedTokens: 0,
  };
  prevStepEnd = -1;

  constructor(index: number, maxNumSeqs: number, totalRequests: number, blocks: number) {
    this.index = index;
    this.running = new Int32Array(maxNumSeqs);
    this.queue = new Int32Array(totalRequests);
    this.scheduled = new Int32Array(maxNumSeqs);
    this.scheduledTokens = new Int32Array(maxNumSeqs);
    this.freeBlocks = blocks;
  }

  get waitingCount(): number {
    return this.queueTail - this.queueHead + this.front.length;
  }
}

/**
 * Simulates serving `requests` on `numReplicas` model instances, each running vLLM V1's scheduler
 * (vllm/v1/core/sched/scheduler.py as of v0.10/v0.11):
 * - every step has a token budget (`maxNumBatchedTokens`); running requests are served first, in admission
 *   order, each asking for its remaining tokens (1 when decoding, the rest of its prompt when prefilling,
 *   capped by the budget: chunked prefill);
 * - when the KV cache cannot hold a running request's new tokens, the most recently admitted running
 *   request is preempted (blocks freed, computed tokens forgotten, back to the front of the waiting queue;
 *   it recomputes its prompt and the tokens it had generated) until the allocation fits;
 * - only when nothing was preempted, waiting requests are admitted first-come first-served while budget,
 *   `maxNumSeqs` and free blocks allow;
 * - a step is one forward pass priced by the performance model; every request whose computed tokens catch
 *   up with its known tokens emits one token at the end of the step.
 * Deterministic: no randomness inside; the same inputs give the same result.
 */
export function simulate(options: SimulationOptions): SimulationResult {
  const parsedScheduler = SchedulerConfigSchema.safeParse(options.scheduler ?? {});
  if (!parsedScheduler.success) {
    throw new SimulatorError('INVALID_CONFIG', `invalid scheduler options: ${formatIssues(parsedScheduler.error.issues)}`);
  }
  const config = parsedScheduler.data;
  const numReplicas = options.numReplicas ?? 1;
  if (!Number.isInteger(numReplicas) || numReplicas < 1) {
    throw new SimulatorError('INVALID_CONFIG', `num_replicas must be a positive integer, got ${numReplicas}`);
  }
  const totalBlocks = Math.floor(options.kvCacheBlocksPerReplica);
  if (!(totalBlocks > 0)) {
    throw new SimulatorError('INVALID_CONFIG', `the KV cache must hold at least one block per replica, got ${options.kvCacheBlocksPerReplica}`);
  }
  const { maxNumSeqs, maxNumBatchedTokens, blockSize, enableChunkedPrefill } = config;
  const maxModelLen = config.maxModelLen ?? Infinity;
  const model = options.performanceModel;
  const router: Router =
    typeof options.router === 'object' ? options.router : createRouter(options.router ?? 'round-robin');
  const breakdownInterval = options.breakdownSampleInterval ?? 64;

  const { arrivalSeconds, inputTokens, outputTokens } = options.requests;
  const n = arrivalSeconds.length;
  for (let i = 1; i < n; i++) {
    if (arrivalSeconds[i] < arrivalSeconds[i - 1]) {
      throw new SimulatorError('INVALID_WORKLOAD', `requests must be sorted by arrival: request ${i} arrives before request ${i - 1}`);
    }
  }

  // Per-request state, column by column: no object per request, none per token.
  const computed = new Int32Array(n);
  const known = new Int32Array(n);
  const generated = new Int32Array(n);
  const blocks = new Int32Array(n);
  const lastEmit = new Float64Array(n);
  const firstScheduled = new Float64Array(n).fill(NaN);
  const firstToken = new Float64Array(n).fill(NaN);
  const finish = new Float64Array(n).fill(NaN);
  const preemptions = new Int32Array(n);
  const replicaOf = new Int32Array(n).fill(-1);
  const status = new Uint8Array(n);
  const failureReason = new Uint8Array(n);

  const replicas: Replica[] = [];
  for (let r = 0; r < numReplicas; r++) replicas.push(new Replica(r, maxNumSeqs, n, totalBlocks));
  const loads: { outstandingRequests: number; kvCacheUtilization: number; waitingRequests: number }[] = replicas.map(() => ({
    outstandingRequests: 0,
    kvCacheUtilization: 0,
    waitingRequests: 0,
  }));

  const itl = new QuantileSketch();
  const series = new DecimatingSeries(
    ['waiting', 'running', 'kv_cache_utilization', 'output_tokens_per_second'],
    options.timeSeriesCapacity ?? 2048,
  );
  const sample = new Float64Array(4);
  const operatorSampled: Partial<Record<OperatorName, number>> = {};
  let sampledSeconds = 0;

  let completed = 0;
  let failed = 0;
  let totalPreemptions = 0;
  let steps = 0;
  let batchSizeSum = 0;
  let peakUsedBlocks = 0;
  let lastFinish = 0;
  let outputTokensSinceSample = 0;
  let lastSampleTime = 0;
  const failures: Partial<Record<FailureReason, number>> = {};

  const blocksFor = (tokens: number) => Math.ceil(tokens / blockSize);

  function fail(i: number, reason: FailureReason): void {
    status[i] = RequestStatus.failed;
    failureReason[i] = FAILURE_REASONS.indexOf(reason);
    failures[reason] = (failures[reason] ?? 0) + 1;
    failed++;
  }

  function preemptLast(rep: Replica): number {
    const victim = rep.running[--rep.runningCount];
    rep.freeBlocks += blocks[victim];
    blocks[victim] = 0;
    computed[victim] = 0;
    preemptions[victim]++;
    totalPreemptions++;
    status[victim] = RequestStatus.waiting;
    rep.front.push(victim);
    return victim;
  }

  function addToBatch(rep: Replica, i: number, tokens: number): void {
    const b = rep.batch;
    const c = computed[i];
    // A sequence is decoding when it computes only its last sampled token; anything else is a prompt
    // (or a recomputation after preemption).
    if (tokens === 1 && c === known[i] - 1 && generated[i] > 0) {
      b.decodeSequences++;
      b.decodeCachedTokens += c;
    } else {
      b.prefillSequences++;
      b.prefillTokens += tokens;
      b.prefillCachedTokens += c;
      b.prefillAttentionPairs += tokens * c + (tokens * (tokens + 1)) / 2;
    }
    rep.scheduled[rep.scheduledCount] = i;
    rep.scheduledTokens[rep.scheduledCount] = tokens;
    rep.scheduledCount++;
  }

  /** Builds the replica's next step; returns false when there is nothing to run. */
  function schedule(rep: Replica, now: number): boolean {
    const b = rep.batch;
    b.prefillSequences = 0;
    b.prefillTokens = 0;
    b.prefillCachedTokens = 0;
    b.prefillAttentionPairs = 0;
    b.decodeSequences = 0;
    b.decodeCachedTokens = 0;
    rep.scheduledCount = 0;
    let budget = maxNumBatchedTokens;
    let preempted = false;

    for (let k = 0; k < rep.runningCount && budget > 0; k++) {
      const i = rep.running[k];
      let tokens = known[i] - computed[i];
      if (tokens > budget) {
        if (!enableChunkedPrefill) continue;
        tokens = budget;
      }
      const needed = blocksFor(computed[i] + tokens) - blocks[i];
      let selfPreempted = false;
      while (needed > rep.freeBlocks) {
        const victim = preemptLast(rep);
        preempted = true;
        if (victim === i) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      if (needed > 0) {
        rep.freeBlocks -= needed;
        blocks[i] += needed;
      }
      addToBatch(rep, i, tokens);
      budget -= tokens;
    }

    if (!preempted) {
      while (budget > 0 && rep.runningCount < maxNumSeqs && rep.waitingCount > 0) {
        const fromFront = rep.front.length > 0;
        const i = fromFront ? rep.front[rep.front.length - 1] : rep.queue[rep.queueHead];
        let tokens = known[i] - computed[i];
        if (tokens > budget) {
          if (!enableChunkedPrefill) break;
          tokens = budget;
        }
        const needed = blocksFor(tokens);
        if (needed > rep.freeBlocks) break;
        if (fromFront) rep.front.pop();
        else rep.queueHead++;
        rep.freeBlocks -= needed;
        blocks[i] = needed;
        status[i] = RequestStatus.running;
        if (Number.isNaN(firstScheduled[i])) firstScheduled[i] = now;
        rep.running[rep.runningCount++] = i;
        addToBatch(rep, i, tokens);
        budget -= tokens;
      }
    }
    return rep.scheduledCount > 0;
  }

  function startStep(rep: Replica, now: number): void {
    if (!schedule(rep, now)) {
      rep.busy = false;
      rep.stepEnd = Infinity;
      return;
    }
    const batch: StepBatch = rep.batch;
    const seconds = model.stepSeconds(batch);
    if (!(seconds > 0) || !Number.isFinite(seconds)) {
      throw new SimulatorError('INVALID_CONFIG', `the performance model priced a step at ${seconds} s; it must be finite and positive`);
    }
    if (steps % breakdownInterval === 0) {
      for (const o of model.stepTime(batch).breakdown) {
        operatorSampled[o.op] = (operatorSampled[o.op] ?? 0) + o.seconds;
      }
      sampledSeconds += seconds;
    }
    steps++;
    batchSizeSum += rep.scheduledCount;
    rep.busy = true;
    rep.stepEnd = now + seconds;
    rep.busySeconds += seconds;
    const used = totalBlocks - rep.freeBlocks;
    if (used > peakUsedBlocks) peakUsedBlocks = used;
  }

  function completeStep(rep: Replica, now: number): void {
    let sameGapCount = 0;
    let newlyEmitting = 0;
    for (let s = 0; s < rep.scheduledCount; s++) {
      const i = rep.scheduled[s];
      if (status[i] !== RequestStatus.running) continue;
      computed[i] += rep.scheduledTokens[s];
      if (computed[i] < known[i]) continue;
      generated[i]++;
      known[i]++;
      outputTokensSinceSample++;
      if (generated[i] === 1) {
        firstToken[i] = now;
      } else if (lastEmit[i] === rep.prevStepEnd) {
        sameGapCount++;
      } else {
        itl.add(now - lastEmit[i]);
      }
      lastEmit[i] = now;
      newlyEmitting++;
      if (generated[i] >= outputTokens[i]) {
        finish[i] = now;
        status[i] = RequestStatus.finished;
        rep.freeBlocks += blocks[i];
        blocks[i] = 0;
        rep.outstanding--;
        completed++;
        lastFinish = now;
      }
    }
    if (sameGapCount > 0) itl.add(now - rep.prevStepEnd, sameGapCount);
    rep.prevStepEnd = now;
    // Drop finished (and preempted-then-readmitted are still running) requests, keeping admission order.
    let w = 0;
    for (let k = 0; k < rep.runningCount; k++) {
      const i = rep.running[k];
      if (status[i] === RequestStatus.running) rep.running[w++] = i;
    }
    rep.runningCount = w;
    rep.busy = false;
    rep.stepEnd = Infinity;
    if (newlyEmitting === 0 && rep.scheduledCount === 0) return;
    let waiting = 0;
    let running = 0;
    let usedBlocks = 0;
    for (const r of replicas) {
      waiting += r.waitingCount;
      running += r.runningCount;
      usedBlocks += totalBlocks - r.freeBlocks;
    }
    const dt = now - lastSampleTime;
    sample[0] = waiting;
    sample[1] = running;
    sample[2] = usedBlocks / (totalBlocks * numReplicas);
    sample[3] = dt > 0 ? outputTokensSinceSample / dt : 0;
    series.offer(now, sample);
    if (dt > 0) {
      outputTokensSinceSample = 0;
      lastSampleTime = now;
    }
  }

  const kvCapacityTokens = totalBlocks * blockSize;
  function arrive(i: number): void {
    const total = inputTokens[i] + outputTokens[i];
    if (total > maxModelLen) {
      fail(i, 'exceeds_max_model_len');
      return;
    }
    // The last output token is never written to the cache.
    if (blocksFor(total - 1) > totalBlocks || total - 1 > kvCapacityTokens) {
      fail(i, 'exceeds_kv_cache_capacity');
      return;
    }
    for (let r = 0; r < numReplicas; r++) {
      const rep = replicas[r];
      loads[r].outstandingRequests = rep.outstanding;
      loads[r].waitingRequests = rep.waitingCount;
      loads[r].kvCacheUtilization = 1 - rep.freeBlocks / totalBlocks;
    }
    const r = router.route(i, loads as readonly ReplicaLoad[]);
    if (!(r >= 0 && r < numReplicas)) {
      throw new SimulatorError('INVALID_CONFIG', `router '${router.name}' chose replica ${r} of ${numReplicas}`);
    }
    const rep = replicas[r];
    known[i] = inputTokens[i];
    replicaOf[i] = r;
    status[i] = RequestStatus.waiting;
    rep.queue[rep.queueTail++] = i;
    rep.outstanding++;
  }

  let nextArrival = 0;
  let eventsSinceProgress = 0;
  for (;;) {
    let t = nextArrival < n ? arrivalSeconds[nextArrival] : Infinity;
    for (const rep of replicas) if (rep.stepEnd < t) t = rep.stepEnd;
    if (t === Infinity) break;
    for (const rep of replicas) if (rep.stepEnd === t) completeStep(rep, t);
    while (nextArrival < n && arrivalSeconds[nextArrival] === t) arrive(nextArrival++);
    for (const rep of replicas) if (!rep.busy) startStep(rep, t);
    if (options.onProgress && ++eventsSinceProgress >= 4096) {
      eventsSinceProgress = 0;
      options.onProgress(completed + failed, n);
    }
  }
  options.onProgress?.(completed + failed, n);

  const busySeconds = replicas.map((r) => r.busySeconds);
  const totalBusy = busySeconds.reduce((a, b) => a + b, 0);
  const operatorSeconds: Partial<Record<OperatorName, number>> = {};
  const scale = sampledSeconds > 0 ? totalBusy / sampledSeconds : 0;
  for (const [op, s] of Object.entries(operatorSampled) as [OperatorName, number][]) operatorSeconds[op] = s * scale;

  return {
    requests: {
      arrivalSeconds,
      inputTokens,
      outputTokens,
      firstScheduledSeconds: firstScheduled,
      firstTokenSeconds: firstToken,
      finishSeconds: finish,
      preemptions,
      replica: replicaOf,
      status,
      failureReason,
    },
    completed,
    failed,
    failures,
    durationSeconds: lastFinish,
    itlSeconds: itl,
    preemptions: totalPreemptions,
    steps,
    meanBatchSize: steps > 0 ? batchSizeSum / steps : 0,
    kvCachePeakUtilization: peakUsedBlocks / totalBlocks,
    kvCacheBlocksPerReplica: totalBlocks,
    busySecondsPerReplica: busySeconds,
    operatorSeconds,
    series: series.toJSON(),
    numReplicas,
  };
}
