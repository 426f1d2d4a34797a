import { SimulatorError } from './errors.ts';
import { IntDeque } from './int-deque.ts';
import { MinHeap } from './min-heap.ts';
import type { DecodeRun, OperatorName, PerformanceModel, StepBatch } from './performance-model.ts';
import type { QuantileSketch } from './quantile-sketch.ts';
import type { ReplicaLoad } from './router.ts';
import { RequestState, type RequestTable } from './request-table.ts';
import { SampledSeries, type TimeSeries } from './sampled-series.ts';
import type { PrefixCache } from './prefix-cache.ts';
import type { TokenTimeLog } from './token-times.ts';
import { createRandom, type Random } from './rng.ts';
import type { SchedulerConfig } from './scheduler-config.ts';


export const OPERATOR_NAMES: readonly OperatorName[] = [
  'embedding',
  'qkv_proj',
  'kv_up_proj',
  'attention',
  'o_proj',
  'mlp',
  'moe',
  'norm',
  'lm_head',
  'communication',
  'all_to_all',
  'pipeline',
  'overhead',
];

/** What one replica did over a run: its KV blocks, busy time, steps, preemptions, peak KV use and sampled time series. */
export interface ReplicaStats {
  readonly index: number;
  readonly kvCacheBlocks: number;
  readonly steps: number;
  readonly busySeconds: number;
  readonly preemptions: number;
  /** Sequences scheduled per step (prefill chunks plus decodes), averaged over non-empty steps. */
  readonly meanBatchSize: number;
  readonly peakKvUtilization: number;
  /** Prompt tokens looked up in the prefix cache at admission (vLLM's `prefix_cache_queries`), and those found. */
  readonly prefixCacheQueryTokens: number;
  readonly prefixCacheHitTokens: number;
  /** Sum over admissions with hits of (a lone prefill of the whole prompt - one of the part not found), in seconds. */
  readonly prefillSecondsSaved: number;
  /** Speculative decoding: verify passes of a request, and tokens they emitted (accepted drafts + 1). */
  readonly speculativeVerifications: number;
  readonly speculativeTokensEmitted: number;
  /** Seconds of busy time by operator (see `operatorSampleInterval`). */
  readonly timeByOperatorSeconds: Partial<Record<OperatorName, number>>;
  /** At the start of each step: sequences scheduled, KV blocks in use / capacity, requests waiting. */
  readonly batchSize: TimeSeries;
  readonly kvUtilization: TimeSeries;
  readonly waiting: TimeSeries;
}

/** What bounds a closed-form decode run from the engine's side (see `Replica.extendDecodeRun`). */
export interface DecodeRunLimits {
  /**
   * The next instant at which anything outside this replica may change it or look at it: the next
   * arrival, another replica's next event, a transfer. Every step of a run starts before it, so the
   * step in flight at that instant is the run's last, with the state the step-by-step engine has then.
   */
  readonly horizonSeconds: number;
  /** Steps after the first that the engine lets pass without a sample of its own (its cluster series). */
  readonly maxExtraSteps: number;
}

/** Affine pieces one decode run may hold; a run that needs more simply ends early. */
const MAX_RUN_PIECES = 8;

export interface ReplicaContext {
  readonly index: number;
  readonly requests: RequestTable;
  readonly options: SchedulerConfig;
  readonly kvCacheBlocks: number;
  readonly performanceModel: PerformanceModel;
  /** Inter-token gaps of the whole simulation, in seconds. */
  readonly itl: QuantileSketch;
  /** Called when a request finishes, with the finish time. */
  readonly onFinish: (id: number, timeSeconds: number) => void;
  readonly operatorSampleInterval: number;
  readonly seriesCapacity: number;
  /**
   * Set on the prefill instances of a disaggregated cluster: a request whose prompt is computed leaves
   * the replica here (no token is emitted) and its KV blocks stay held until `releaseKvBlocks`.
   */
  readonly onPromptComputed?: (id: number, timeSeconds: number, heldBlocks: number) => void;
  /**
   * The replica's prefix cache when `options.enablePrefixCaching` is on and some requests share
   * prefixes; without it, every prompt is computed in full (vLLM with caching off, or no hit possible).
   */
  readonly prefixCache?: PrefixCache;
  /**
   * With `options.speculative`: prices the drafting of one token for a batch of decoding requests (a
   * draft model, or an EAGLE/MTP head); the proposer drafts k tokens one after another per step.
   * Absent: drafting is free (n-gram lookup runs on the CPU).
   */
  readonly proposer?: PerformanceModel;
  /** When given, every token's emission time is logged (vLLM's detailed `itls`); the replica then goes step by step. */
  readonly tokenTimes?: TokenTimeLog;
}

/** The speculative-decoding state of a replica: per-request KV slots allocated ahead, the draws, the counters. */
interface Speculation {
  readonly k: number;
  readonly acceptance: readonly number[];
  readonly rng: Random;
  /** KV slots allocated per request (its KV plus the lookahead of the last step), in tokens. */
  readonly allocatedTokens: Int32Array;
  readonly ids: Int32Array;
  readonly tokens: Int32Array;
  count: number;
  verifications: number;
  emitted: number;
}

/**
 * One model instance running vLLM V1's scheduler (v0.11, `vllm/v1/core/sched/scheduler.py`,
 * `Scheduler.schedule`) with FCFS policy, recompute preemption, automatic prefix caching when a
 * `PrefixCache` is given (a waiting request starts from its longest cached prefix of full blocks,
 * leaving at least one prompt token to compute), no speculative decoding. Each step: running requests first, in admission order (decode 1 token; the one partial
 * prefill, always the last admitted, takes the rest of its prompt capped by the budget); when the KV
 * cache cannot hold a request's new tokens the most recently admitted running request is preempted
 * (blocks freed, computed tokens forgotten, back to the front of the waiting queue) until it fits;
 * only if nothing was preempted, waiting requests are admitted FCFS while the token budget,
 * `maxNumSeqs` and free blocks allow, the last one possibly with a chunk of its prompt.
 *
 * Cost per step is O(1) plus O(1) per request admitted or finished: decoding requests are never
 * visited. All of them advance one token per step (the budget always covers them, since
 * maxNumBatchedTokens >= maxNumSeqs), so a decoding request's KV length, block growth and finishing
 * step follow from the step it started decoding: the step's cached-token sum is kept as
 * `decodeContextOffset + decodeCount * step`, the blocks needed this step are the count of decoding
 * requests whose KV length is a multiple of blockSize (bucketed by step modulo blockSize), and
 * finishing steps sit in a heap. Only when blocks run out does a step walk the running list in
 * order, to preempt exactly as vLLM does.
 */
export class Replica implements ReplicaLoad {
  readonly index: number;
  private readonly ctx: ReplicaContext;
  private readonly blockSize: number;
  private readonly maxNumSeqs: number;
  private readonly maxNumBatchedTokens: number;
  private readonly chunked: boolean;
  private readonly totalBlocks: number;
  private freeBlocks: number;

  readonly waitingQueue = new IntDeque();
  /**
   * Requests that arrived with their prompt's KV cache (a disaggregated decode instance): blocks
   * already reserved, admitted ahead of the waiting queue, since their memory was granted first.
   */
  private readonly arrivedWithKv = new IntDeque(16);
  /** Blocks held by requests outside the running list: reserved for KV in transfer, or held for a transfer out. */
  private blocksHeldOutside = 0;
  /** Running requests in admission order; finished ones stay as dead entries until compaction. */
  private running: Int32Array;
  private runningLength = 0;
  private runningCount = 0;

  private decodeCount = 0;
  private decodeContextOffset = 0;
  private readonly blocksDueByPhase: Int32Array;
  private readonly finishHeap = new MinHeap(256);

  private stepIndex = 0;
  /** The step in flight: its prefill entries (request, chunk) and its decode count. */
  private readonly stepPrefillIds: Int32Array;
  private readonly stepPrefillChunks: Int32Array;
  private stepPrefillCount = 0;
  private stepDecodeCount = 0;
  private stepSeconds = 0;
  private busy = false;
  /** Pipeline stages: micro-batches in flight per cycle (1: no pipeline, `this.batch` priced as is). */
  private readonly stages: number;
  /** One micro-batch of the cycle in flight, when stages > 1: `this.batch` over min(stages, sequences). */
  private readonly microBatch = {
    prefillSequences: 0,
    prefillTokens: 0,
    prefillCachedTokens: 0,
    prefillAttentionPairs: 0,
    decodeSequences: 0,
    decodeCachedTokens: 0,
  };
  private readonly batch = {
    prefillSequences: 0,
    prefillTokens: 0,
    prefillCachedTokens: 0,
    prefillAttentionPairs: 0,
    decodeSequences: 0,
    decodeCachedTokens: 0,
  };

  private steps = 0;
  private busySeconds = 0;
  private scheduledSequences = 0;
  private preemptions = 0;
  private peakUsedBlocks = 0;
  private prefixQueryTokens = 0;
  private prefixHitTokens = 0;
  private prefillSecondsSaved = 0;
  private readonly spec?: Speculation;
  private readonly operatorSeconds = new Float64Array(OPERATOR_NAMES.length);
  private readonly operatorFractions = new Float64Array(OPERATOR_NAMES.length);
  private stepsSinceOperatorSample = 0;
  private readonly batchSizeSeries: SampledSeries;
  private readonly kvSeries: SampledSeries;
  private readonly waitingSeries: SampledSeries;

  /** The model's `decodeRun`, when it has one and nothing in this replica's set-up rules runs out. */
  private readonly decodeRun: ((batch: StepBatch, maxSteps: number) => DecodeRun) | undefined;
  /** Whether the step just started may be extended into a run (decode only, nothing preempted). */
  private runnable = false;
  /** The run in flight after its first step: affine pieces (first step's time, increment, steps). */
  private runPieces = 0;
  private readonly runFirstSeconds = new Float64Array(MAX_RUN_PIECES);
  private readonly runIncrementSeconds = new Float64Array(MAX_RUN_PIECES);
  private readonly runPieceSteps = new Int32Array(MAX_RUN_PIECES);
  private runExtra = 0;

  constructor(ctx: ReplicaContext) {
    this.ctx = ctx;
    this.index = ctx.index;
    this.blockSize = ctx.options.blockSize;
    this.maxNumSeqs = ctx.options.maxNumSeqs;
    this.stages = ctx.options.pipelineParallelSize;
    // One cycle schedules a batch per stage, each within its own budget.
    this.maxNumBatchedTokens = ctx.options.maxNumBatchedTokens * this.stages;
    this.chunked = ctx.options.enableChunkedPrefill;
    this.totalBlocks = ctx.kvCacheBlocks;
    this.freeBlocks = ctx.kvCacheBlocks;
    this.blocksDueByPhase = new Int32Array(this.blockSize);
    this.running = new Int32Array(Math.max(16, 2 * this.maxNumSeqs + 2));
    this.stepPrefillIds = new Int32Array(this.maxNumSeqs + 1);
    this.stepPrefillChunks = new Int32Array(this.maxNumSeqs + 1);
    this.batchSizeSeries = new SampledSeries(ctx.seriesCapacity);
    this.kvSeries = new SampledSeries(ctx.seriesCapacity);
    this.waitingSeries = new SampledSeries(ctx.seriesCapacity);
    const sp = ctx.options.speculative;
    if (sp !== undefined) {
      this.spec = {
        k: sp.numSpeculativeTokens,
        acceptance: sp.acceptanceProbabilities,
        rng: createRandom(sp.seed ^ Math.imul(ctx.index + 1, 0x9e3779b1)),
        allocatedTokens: new Int32Array(ctx.requests.count),
        ids: new Int32Array(this.maxNumSeqs + 1),
        tokens: new Int32Array(this.maxNumSeqs + 1),
        count: 0,
        verifications: 0,
        emitted: 0,
      };
    }
    const model = ctx.performanceModel;
    // Closed-form runs assume one batch in flight whose steps differ only in context and blocks taken
    // from a plain pool; a feature that breaks that (batches overlapping in a pipeline, drafted tokens,
    // a prefix cache whose allocations evict) leaves this undefined, and the replica goes step by step.
    const runsApply = ctx.prefixCache === undefined && ctx.options.speculative === undefined && ctx.tokenTimes === undefined;
    this.decodeRun = runsApply && typeof model.decodeRun === 'function' ? model.decodeRun.bind(model) : undefined;
  }

  get outstandingRequests(): number {
    return this.waitingQueue.size + this.arrivedWithKv.size + this.runningCount;
  }
  get waitingRequests(): number {
    return this.waitingQueue.size + this.arrivedWithKv.size;
  }
  /** Waiting requests that still need blocks to be admitted (not counting those that arrived with their KV). */
  get waitingWithoutKv(): number {
    return this.waitingQueue.size;
  }
  get runningRequests(): number {
    return this.runningCount;
  }
  get freeKvBlocks(): number {
    return this.freeBlocks;
  }
  get kvCacheUtilization(): number {
    return (this.totalBlocks - this.freeBlocks) / this.totalBlocks;
  }
  get usedKvBlocks(): number {
    return this.totalBlocks - this.freeBlocks;
  }
  /** Steps after the first in the step (run) in flight: engine-side samples they skipped. */
  get runExtraSteps(): number {
    return this.runExtra;
  }
  /** Whether the step just started may become a run (`extendDecodeRun`). */
  get canExtendDecodeRun(): boolean {
    return this.runnable;
  }
  /** Sequences in the step in flight (0 when idle). */
  get stepSequences(): number {
    return this.busy ? this.stepPrefillCount + this.stepDecodeCount + (this.spec?.count ?? 0) : 0;
  }
  get isBusy(): boolean {
    return this.busy;
  }

  enqueue(id: number): void {
    const t = this.ctx.requests;
    t.state[id] = RequestState.waiting;
    t.replica[id] = this.index;
    this.waitingQueue.pushBack(id);
  }

  /**
   * Takes `blocks` free KV blocks for a prompt's KV cache about to be received (call only when that
   * many are free); `enqueueWithKv` later hands the request over with them.
   */
  reserveKvBlocks(blocks: number): void {
    if (blocks > this.freeBlocks) {
      throw new SimulatorError('INTERNAL', `replica ${this.index}: cannot reserve ${blocks} KV blocks with ${this.freeBlocks} free`);
    }
    this.freeBlocks -= blocks;
    this.blocksHeldOutside += blocks;
    const used = this.totalBlocks - this.freeBlocks;
    if (used > this.peakUsedBlocks) this.peakUsedBlocks = used;
  }

  /**
   * Frees the blocks request `id` holds outside the running list (a prompt's KV once its transfer out
   * is done). With a prefix cache, its full blocks stay cached while free, for the next prompt that shares them.
   */
  releaseKvBlocks(id: number, blocks: number): void {
    const cache = this.ctx.prefixCache;
    this.freeBlocks += cache === undefined ? blocks : cache.release(id, blocks);
    this.blocksHeldOutside -= blocks;
  }

  /**
   * Queues a request whose prompt KV has arrived, in blocks reserved by `reserveKvBlocks`
   * (ceil(prompt / blockSize)). As vLLM's decode side does (v0.11 `Scheduler._update_waiting_for_remote_kv`),
   * all prompt tokens but the last count as computed, and its first step recomputes the last one to
   * produce the first output token.
   */
  enqueueWithKv(id: number): void {
    const t = this.ctx.requests;
    t.state[id] = RequestState.waiting;
    t.replica[id] = this.index;
    t.computedTokens[id] = t.inputTokens[id] - 1;
    t.generatedTokens[id] = 0;
    this.arrivedWithKv.pushBack(id);
  }

  /**
   * Schedules the next step at `nowSeconds` when there is work; returns its duration in seconds, or
   * 0 when the replica stays idle. A step that only preempts schedules nothing and takes no time:
   * the scheduler runs again at once, as vLLM's engine loop would.
   */
  startStep(nowSeconds: number): number {
    this.runPieces = 0;
    this.runExtra = 0;
    this.runnable = false;
    let preempted = false;
    for (;;) {
      if (this.runningCount === 0 && this.waitingQueue.size === 0 && this.arrivedWithKv.size === 0) return 0;
      preempted = this.schedule(nowSeconds);
      if (this.stepPrefillCount > 0 || this.stepDecodeCount > 0 || (this.spec !== undefined && this.spec.count > 0)) break;
      if (!preempted) {
        // Blocks held for transfers come back later; the replica waits for them, idle.
        if (this.blocksHeldOutside > 0) return 0;
        throw new SimulatorError(
          'INTERNAL',
          `replica ${this.index}: nothing schedulable with ${this.waitingQueue.size} waiting and ${this.freeBlocks} of ${this.totalBlocks} KV blocks free`,
        );
      }
    }
    const b = this.batch;
    let seconds = this.ctx.performanceModel.stepSeconds(this.priced());
    const proposer = this.ctx.proposer;
    if (this.spec !== undefined && this.spec.count > 0 && proposer !== undefined) {
      // The drafts are proposed one after another, each a decode step of the proposer over the batch.
      let context = 0;
      for (let i = 0; i < this.spec.count; i++) context += this.ctx.requests.decodeStartContextTokens[this.spec.ids[i]];
      seconds += this.spec.k * proposer.stepSeconds({ prefillSequences: 0, prefillTokens: 0, prefillCachedTokens: 0, prefillAttentionPairs: 0, decodeSequences: this.spec.count, decodeCachedTokens: context });
    }
    if (!(seconds > 0) || !Number.isFinite(seconds)) {
      throw new SimulatorError(
        'INVALID_STEP_TIME',
        `performance model returned ${seconds} s for a step of ${b.prefillTokens} prefill tokens and ${b.decodeSequences} decodes; a step must take a finite positive time`,
      );
    }
    this.recordStep(nowSeconds, seconds);
    this.stepSeconds = seconds;
    this.busy = true;
    // A step that preempted may admit the preempted request next time: only a clean one starts a run.
    this.runnable = this.decodeRun !== undefined && !preempted && this.stepPrefillCount === 0;
    return seconds;
  }

  /** Ends the step in flight at `nowSeconds`: emits tokens, finishes requests, moves finished prefills to decode. */
  completeStep(nowSeconds: number): void {
    const t = this.ctx.requests;
    const k = this.stepIndex;
    this.busy = false;
    this.ctx.tokenTimes?.noteStepEnd(this.index, k, nowSeconds);
    if (this.stepDecodeCount > 0) this.ctx.itl.add(this.stepSeconds, this.stepDecodeCount);
    for (let p = 0; p < this.runPieces; p++) {
      this.ctx.itl.addArithmeticRun(this.runFirstSeconds[p], this.runIncrementSeconds[p], this.runPieceSteps[p], this.stepDecodeCount);
    }
    this.runPieces = 0;
    if (this.spec !== undefined && this.spec.count > 0) this.completeSpeculativeDecodes(nowSeconds);
    const heap = this.finishHeap;
    const cache = this.ctx.prefixCache;
    let finishing: number[] | undefined;
    while (heap.size > 0 && heap.peekKey() <= k) {
      const generation = heap.peekTie();
      const id = heap.pop();
      if (t.state[id] !== RequestState.decoding || t.generation[id] !== generation) continue;
      const context = t.decodeStartContextTokens[id] + (k - t.decodeStartStep[id]) + 1;
      this.ctx.tokenTimes?.noteStint(id, this.index, t.decodeStartStep[id], k);
      this.leaveDecode(id);
      t.generatedTokens[id] = t.outputTokens[id];
      t.lastTokenSeconds[id] = nowSeconds;
      if (cache === undefined) this.finish(id, context, nowSeconds);
      else (finishing ??= []).push(id, context);
    }
    if (finishing !== undefined) {
      // Which cached blocks are evicted first depends on the order they were freed: vLLM frees in running order.
      const order = cache!.admissionOrder;
      for (let i = 2; i < finishing.length; i += 2) {
        const id = finishing[i];
        const context = finishing[i + 1];
        let j = i - 2;
        for (; j >= 0 && order[finishing[j]] > order[id]; j -= 2) {
          finishing[j + 2] = finishing[j];
          finishing[j + 3] = finishing[j + 1];
        }
        finishing[j + 2] = id;
        finishing[j + 3] = context;
      }
      for (let i = 0; i < finishing.length; i += 2) this.finish(finishing[i], finishing[i + 1], nowSeconds);
    }
    for (let i = 0; i < this.stepPrefillCount; i++) {
      const id = this.stepPrefillIds[i];
      const computed = t.computedTokens[id] + this.stepPrefillChunks[i];
      t.computedTokens[id] = computed;
      if (computed < t.prefillTargetTokens[id]) continue;
      if (this.ctx.onPromptComputed !== undefined) {
        this.leaveForTransfer(id, computed, nowSeconds);
        continue;
      }
      const generatedBefore = t.generatedTokens[id];
      this.ctx.tokenTimes?.noteToken(id, nowSeconds);
      if (generatedBefore === 0) t.firstTokenSeconds[id] = nowSeconds;
      // The first token after a recompute closes a gap that spans the preemption.
      else this.ctx.itl.add(nowSeconds - t.lastTokenSeconds[id], 1);
      const generated = generatedBefore + 1;
      t.generatedTokens[id] = generated;
      t.lastTokenSeconds[id] = nowSeconds;
      if (generated >= t.outputTokens[id]) {
        this.finish(id, computed, nowSeconds);
      } else {
        this.enterDecode(id, k + 1, computed, generated);
      }
    }
    this.stepPrefillCount = 0;
    this.stepDecodeCount = 0;
  }

  stats(): ReplicaStats {
    const timeByOperatorSeconds: Partial<Record<OperatorName, number>> = {};
    OPERATOR_NAMES.forEach((op, i) => {
      if (this.operatorSeconds[i] > 0) timeByOperatorSeconds[op] = this.operatorSeconds[i];
    });
    return {
      index: this.index,
      kvCacheBlocks: this.totalBlocks,
      steps: this.steps,
      busySeconds: this.busySeconds,
      preemptions: this.preemptions,
      meanBatchSize: this.steps > 0 ? this.scheduledSequences / this.steps : 0,
      peakKvUtilization: this.totalBlocks > 0 ? this.peakUsedBlocks / this.totalBlocks : 0,
      prefixCacheQueryTokens: this.prefixQueryTokens,
      prefixCacheHitTokens: this.prefixHitTokens,
      prefillSecondsSaved: this.prefillSecondsSaved,
      speculativeVerifications: this.spec?.verifications ?? 0,
      speculativeTokensEmitted: this.spec?.emitted ?? 0,
      timeByOperatorSeconds,
      batchSize: this.batchSizeSeries.toSeries(),
      kvUtilization: this.kvSeries.toSeries(),
      waiting: this.waitingSeries.toSeries(),
    };
  }

  /**
   * Extends the step just started (step k: decode only, nothing preempted) with the steps after it
   * that schedule the same sequences, as one run; returns when the run ends (`startSeconds` when no
   * step was added), and `runExtraSteps` says how many were. Call once all replicas have started
   * their steps at this instant, with the first extra step's start (`startSeconds`, when step k ends). Nothing waiting can be
   * admitted later in the run if it was not at k: the budget and running count stay the same and
   * free blocks only shrink. So the run goes on until the first finish (its last step ends the run),
   * a step whose blocks would not fit (it preempts), a sample point (the replica's series, the
   * engine's), or the horizon; the operator split is sampled inside the run as step by step.
   *
   * Busy time, operator time and the inter-token gaps are summed in closed form per affine piece.
   * The clock alone advances step by step (one addition a step), exactly as the step-by-step
   * engine's does, so that event times agree to the last bit and ties between events fall the same.
   */
  extendDecodeRun(startSeconds: number, limits: DecodeRunLimits): number {
    if (!this.runnable) return 0;
    this.runnable = false;
    const k = this.stepIndex;
    const D = this.decodeCount;
    const b = this.batch;
    let extra = Math.min(limits.maxExtraSteps, this.finishHeap.peekKey() - k, this.batchSizeSeries.quietOffers());
    extra = this.decodeStepsWithinFreeBlocks(k, Math.max(0, extra));
    const horizon = limits.horizonSeconds;
    const cachedAtK = b.decodeCachedTokens;
    let steps = 0;
    let clock = startSeconds;
    while (steps < extra && this.runPieces < MAX_RUN_PIECES) {
      b.decodeCachedTokens = cachedAtK + D * (steps + 1);
      const asked = extra - steps;
      const piece = this.decodeRun!(this.priced(), asked);
      const first = piece.firstStepSeconds;
      const increment = piece.stepIncrementSeconds;
      const pieceSteps = piece.steps;
      if (!Number.isInteger(pieceSteps) || pieceSteps < 1 || pieceSteps > asked) {
        throw new SimulatorError('INVALID_STEP_TIME', `performance model's decodeRun returned ${pieceSteps} steps when asked for at most ${asked}; expected an integer from 1`);
      }
      const lastSeconds = first + increment * (pieceSteps - 1);
      if (!(first > 0) || !Number.isFinite(first) || !(lastSeconds > 0) || !Number.isFinite(lastSeconds)) {
        throw new SimulatorError(
          'INVALID_STEP_TIME',
          `performance model's decodeRun returned steps from ${first} s to ${lastSeconds} s for ${D} decodes; a step must take a finite positive time`,
        );
      }
      let count = 0;
      while (count < pieceSteps && clock < horizon) {
        clock += first + count * increment;
        count++;
      }
      if (count === 0) break;
      const p = this.runPieces++;
      this.runFirstSeconds[p] = first;
      this.runIncrementSeconds[p] = increment;
      this.runPieceSteps[p] = count;
      steps += count;
      if (count < pieceSteps) break;
    }
    b.decodeCachedTokens = cachedAtK;
    if (steps > 0) this.recordRunTail(k, steps);
    this.stepIndex = k + steps;
    this.runExtra = steps;
    return clock;
  }

  /** Accounts steps k+1 .. k+extra of the run in flight: their blocks, counts, busy and operator time. */
  private recordRunTail(k: number, extra: number): void {
    const D = this.decodeCount;
    this.freeBlocks -= this.decodeBlocksDue(k, extra);
    const used = this.totalBlocks - this.freeBlocks;
    if (used > this.peakUsedBlocks) this.peakUsedBlocks = used;
    this.steps += extra;
    this.scheduledSequences += D * extra;
    this.batchSizeSeries.skipOffers(extra);
    this.kvSeries.skipOffers(extra);
    this.waitingSeries.skipOffers(extra);
    const b = this.batch;
    const cached0 = b.decodeCachedTokens;
    const interval = this.ctx.operatorSampleInterval;
    for (let j = 1; j <= extra; ) {
      if (this.stepsSinceOperatorSample === 0) {
        b.decodeCachedTokens = cached0 + D * j;
        this.sampleOperators();
      }
      const length = Math.min(extra + 1 - j, interval - this.stepsSinceOperatorSample);
      const seconds = this.runSeconds(j - 1, j - 1 + length);
      this.busySeconds += seconds;
      for (let i = 0; i < this.operatorFractions.length; i++) this.operatorSeconds[i] += seconds * this.operatorFractions[i];
      this.stepsSinceOperatorSample = (this.stepsSinceOperatorSample + length) % interval;
      j += length;
    }
    b.decodeCachedTokens = cached0;
  }

  /** Summed time of steps [from, to) of the run in flight after its first step (0 is step k+1). */
  private runSeconds(from: number, to: number): number {
    let total = 0;
    let start = 0;
    for (let p = 0; p < this.runPieces; p++) {
      const end = start + this.runPieceSteps[p];
      const a = Math.max(from, start) - start;
      const z = Math.min(to, end) - start;
      if (z > a) total += (z - a) * this.runFirstSeconds[p] + (this.runIncrementSeconds[p] * (a + z - 1) * (z - a)) / 2;
      start = end;
    }
    return total;
  }

  /** How many of the steps after k (at most `cap`) find the blocks their decodes need. */
  private decodeStepsWithinFreeBlocks(k: number, cap: number): number {
    const B = this.blockSize;
    const D = this.decodeCount;
    let free = this.freeBlocks;
    // Every decoding request needs one block every B steps: a whole cycle takes D blocks.
    const cycles = Math.min(Math.floor(free / D), Math.floor(cap / B));
    let steps = cycles * B;
    free -= cycles * D;
    while (steps < cap) {
      const need = this.blocksDueByPhase[(k + steps + 1) % B];
      if (need > free) break;
      free -= need;
      steps++;
    }
    return steps;
  }

  /** Blocks the decodes of steps k+1 .. k+count allocate. */
  private decodeBlocksDue(k: number, count: number): number {
    const B = this.blockSize;
    let blocks = Math.floor(count / B) * this.decodeCount;
    for (let j = 1; j <= count % B; j++) blocks += this.blocksDueByPhase[(k + j) % B];
    return blocks;
  }

  /** Fills the step in flight; returns whether anything was preempted. */
  private schedule(nowSeconds: number): boolean {
    const t = this.ctx.requests;
    const k = ++this.stepIndex;
    const B = this.blockSize;
    this.stepPrefillCount = 0;
    let budget = this.maxNumBatchedTokens;
    let preempted = false;

    if (this.spec !== undefined) {
      this.spec.count = 0;
      this.stepDecodeCount = 0;
      const walked = this.runningLoop(k, nowSeconds);
      if (!this.walkPreempted) this.admitWaiting(nowSeconds, walked);
      this.fillBatch(k);
      return this.walkPreempted;
    }
    const partial = this.lastRunning();
    const hasPartial = partial >= 0 && t.state[partial] === RequestState.prefilling;
    let partialChunk = 0;
    let partialBlocks = 0;
    if (hasPartial) {
      const computed = t.computedTokens[partial];
      partialChunk = Math.min(t.prefillTargetTokens[partial] - computed, budget - this.decodeCount);
      partialBlocks = ceilDiv(computed + partialChunk, B) - ceilDiv(computed, B);
    }
    const decodeBlocks = this.blocksDueByPhase[k % B];
    if (decodeBlocks + partialBlocks <= this.freeBlocks) {
      this.freeBlocks -= decodeBlocks + partialBlocks;
      const cache = this.ctx.prefixCache;
      if (cache !== undefined) {
        cache.allocate(decodeBlocks + partialBlocks);
        if (hasPartial) cache.register(partial, t.computedTokens[partial] + partialChunk, B);
      }
      budget -= this.decodeCount + partialChunk;
      if (hasPartial) this.addPrefill(partial, partialChunk);
    } else {
      budget = this.runningLoop(k, nowSeconds);
      preempted = true;
    }
    this.stepDecodeCount = this.decodeCount;

    if (!preempted) this.admitWaiting(nowSeconds, budget);
    this.fillBatch(k);
    return preempted;
  }

  /** The batch of the step in flight, from its prefill entries, its decodes, and its verifications. */
  private fillBatch(k: number): void {
    const t = this.ctx.requests;
    const b = this.batch;
    b.prefillSequences = this.stepPrefillCount;
    b.prefillTokens = 0;
    b.prefillCachedTokens = 0;
    b.prefillAttentionPairs = 0;
    for (let i = 0; i < this.stepPrefillCount; i++) {
      const n = this.stepPrefillChunks[i];
      const cached = t.computedTokens[this.stepPrefillIds[i]];
      b.prefillTokens += n;
      b.prefillCachedTokens += cached;
      b.prefillAttentionPairs += n * cached + (n * (n + 1)) / 2;
    }
    b.decodeSequences = this.decodeCount;
    b.decodeCachedTokens = this.decodeContextOffset + this.decodeCount * k;
    const sp = this.spec;
    if (sp !== undefined) {
      // A verification feeds the last token and the drafts against the request's KV: a chunk of k + 1 tokens.
      for (let i = 0; i < sp.count; i++) {
        const n = sp.tokens[i];
        const cached = t.decodeStartContextTokens[sp.ids[i]];
        b.prefillSequences++;
        b.prefillTokens += n;
        b.prefillCachedTokens += cached;
        b.prefillAttentionPairs += n * cached + (n * (n + 1)) / 2;
      }
    }
  }

  /**
   * The running loop of vLLM's scheduler, request by request: for a step where blocks run short, and
   * every step with speculative decoding (a decode then asks for its last token and k drafts, within
   * the budget, and the KV slots for them). Returns the token budget left; sets `walkPreempted`.
   */
  private runningLoop(k: number, nowSeconds: number): number {
    const t = this.ctx.requests;
    const B = this.blockSize;
    const sp = this.spec;
    let budget = this.maxNumBatchedTokens;
    this.walkPreempted = false;
    for (let i = 0; i < this.runningLength; i++) {
      const id = this.running[i];
      if (t.replica[id] !== this.index) continue;
      const state = t.state[id];
      let tokens: number;
      let blocks: number;
      if (state === RequestState.decoding && sp !== undefined) {
        if (budget <= 0) break;
        tokens = Math.min(1 + sp.k, budget);
        const context = t.decodeStartContextTokens[id];
        blocks = Math.max(0, ceilDiv(context + tokens, B) - ceilDiv(Math.max(context, sp.allocatedTokens[id]), B));
      } else if (state === RequestState.decoding) {
        tokens = 1;
        const context = t.decodeStartContextTokens[id] + (k - t.decodeStartStep[id]);
        blocks = context % B === 0 ? 1 : 0;
      } else if (state === RequestState.prefilling) {
        if (sp !== undefined && budget <= 0) break;
        const computed = t.computedTokens[id];
        tokens = Math.min(t.prefillTargetTokens[id] - computed, budget);
        blocks = ceilDiv(computed + tokens, B) - ceilDiv(computed, B);
      } else {
        continue;
      }
      let selfPreempted = false;
      while (blocks > this.freeBlocks) {
        const victim = this.popLastRunning();
        this.preempt(victim, k, nowSeconds);
        this.walkPreempted = true;
        if (victim === id) {
          selfPreempted = true;
          break;
        }
      }
      // vLLM stops the running loop once a request cannot be scheduled; nothing runs after it anyway.
      if (selfPreempted) break;
      this.freeBlocks -= blocks;
      const cache = this.ctx.prefixCache;
      if (cache !== undefined) {
        cache.allocate(blocks);
        if (state === RequestState.prefilling) cache.register(id, t.computedTokens[id] + tokens, B);
      }
      budget -= tokens;
      if (state === RequestState.prefilling) this.addPrefill(id, tokens);
      else if (sp !== undefined) {
        const context = t.decodeStartContextTokens[id];
        sp.allocatedTokens[id] = Math.max(sp.allocatedTokens[id], context + tokens);
        sp.ids[sp.count] = id;
        sp.tokens[sp.count] = tokens;
        sp.count++;
      }
    }
    return budget;
  }

  /** Whether the last `runningLoop` preempted anything. */
  private walkPreempted = false;

  /**
   * Ends the verifications of the step: each request accepts its drafts in order while each passes
   * its acceptance draw, emits the accepted drafts and one more token, and its KV grows by as many.
   */
  private completeSpeculativeDecodes(nowSeconds: number): void {
    const t = this.ctx.requests;
    const sp = this.spec!;
    // One gap per verification: the accepted tokens stream out together.
    this.ctx.itl.add(this.stepSeconds, sp.count);
    for (let i = 0; i < sp.count; i++) {
      const id = sp.ids[i];
      let accepted = 0;
      while (accepted < sp.tokens[i] - 1 && sp.rng.next() < sp.acceptance[accepted]) accepted++;
      const emitted = Math.min(accepted + 1, t.outputTokens[id] - t.generatedTokens[id]);
      sp.verifications++;
      sp.emitted += emitted;
      t.generatedTokens[id] += emitted;
      t.decodeStartContextTokens[id] += emitted;
      t.lastTokenSeconds[id] = nowSeconds;
      this.ctx.tokenTimes?.noteToken(id, nowSeconds);
      if (t.generatedTokens[id] >= t.outputTokens[id]) this.finish(id, t.decodeStartContextTokens[id], nowSeconds);
    }
  }

  private admitWaiting(nowSeconds: number, budgetTokens: number): void {
    const t = this.ctx.requests;
    const B = this.blockSize;
    let budget = budgetTokens;
    let skipped: number[] | undefined;
    const arrived = this.arrivedWithKv;
    while (arrived.size > 0 && budget > 0 && this.runningCount < this.maxNumSeqs) {
      const id = arrived.popFront();
      // Its blocks were reserved before the transfer; they now belong to the running request.
      this.blocksHeldOutside -= ceilDiv(t.computedTokens[id] + 1, B);
      t.state[id] = RequestState.prefilling;
      t.prefillTargetTokens[id] = t.inputTokens[id];
      if (Number.isNaN(t.firstScheduledSeconds[id])) t.firstScheduledSeconds[id] = nowSeconds;
      this.pushRunning(id);
      budget -= 1;
      this.addPrefill(id, 1);
    }
    const cache = this.ctx.prefixCache;
    while (this.waitingQueue.size > 0 && budget > 0 && this.runningCount < this.maxNumSeqs) {
      const id = this.waitingQueue.peekFront();
      const target = t.inputTokens[id] + t.generatedTokens[id];
      // vLLM finds the longest cached prefix of full blocks, short of the last token (which it must compute).
      const hitBlocks = cache === undefined ? 0 : cache.lookup(id, Math.floor((target - 1) / B));
      const cached = hitBlocks * B;
      if (!this.chunked && target - cached > budget) {
        // vLLM without chunked prefill skips a prompt that does not fit and tries the next one.
        (skipped ??= []).push(this.waitingQueue.popFront());
        continue;
      }
      const tokens = Math.min(target - cached, budget);
      const blocks = ceilDiv(tokens, B);
      const fromFree = cache === undefined ? 0 : cache.lastFromFree;
      if (blocks + fromFree > this.freeBlocks) break;
      this.waitingQueue.popFront();
      this.freeBlocks -= blocks + fromFree;
      if (cache !== undefined) {
        cache.acquire(id, hitBlocks);
        cache.allocate(blocks);
        cache.register(id, cached + tokens, B);
      }
      if (this.ctx.options.enablePrefixCaching) this.countPrefixLookup(target, cached);
      t.state[id] = RequestState.prefilling;
      t.computedTokens[id] = cached;
      t.prefillTargetTokens[id] = target;
      if (Number.isNaN(t.firstScheduledSeconds[id])) t.firstScheduledSeconds[id] = nowSeconds;
      this.pushRunning(id);
      budget -= tokens;
      this.addPrefill(id, tokens);
    }
    if (skipped) for (let i = skipped.length - 1; i >= 0; i--) this.waitingQueue.pushFront(skipped[i]);
  }

  /** vLLM's prefix-cache counters, and the prefill a hit saves (a lone prefill of the prompt against one of its uncached part). */
  private countPrefixLookup(promptTokens: number, cachedTokens: number): void {
    this.prefixQueryTokens += promptTokens;
    if (cachedTokens === 0) return;
    this.prefixHitTokens += cachedTokens;
    // Priced through stepTime where the model has one, so that the steps the replica runs stay the
    // only stepSeconds calls (tests that record the batches a model is asked for rely on it).
    const m = this.ctx.performanceModel;
    const price = (batch: StepBatch): number => (m.stepTime ? m.stepTime(batch).totalSeconds : m.stepSeconds(batch));
    const computed = promptTokens - cachedTokens;
    const whole = price({ prefillSequences: 1, prefillTokens: promptTokens, prefillCachedTokens: 0, prefillAttentionPairs: (promptTokens * (promptTokens + 1)) / 2, decodeSequences: 0, decodeCachedTokens: 0 });
    const rest = price({
      prefillSequences: 1,
      prefillTokens: computed,
      prefillCachedTokens: cachedTokens,
      prefillAttentionPairs: computed * cachedTokens + (computed * (computed + 1)) / 2,
      decodeSequences: 0,
      decodeCachedTokens: 0,
    });
    this.prefillSecondsSaved += whole - rest;
  }

  private addPrefill(id: number, tokens: number): void {
    this.stepPrefillIds[this.stepPrefillCount] = id;
    this.stepPrefillChunks[this.stepPrefillCount] = tokens;
    this.stepPrefillCount++;
  }

  private enterDecode(id: number, startStep: number, context: number, generated: number): void {
    const t = this.ctx.requests;
    t.state[id] = RequestState.decoding;
    t.decodeStartStep[id] = startStep;
    t.decodeStartContextTokens[id] = context;
    t.generatedTokens[id] = generated;
    // With speculation, decodes are stepped one by one (`runningLoop`): decodeStartContextTokens is the KV length.
    if (this.spec !== undefined) return;
    this.decodeCount++;
    this.decodeContextOffset += context - startStep;
    this.blocksDueByPhase[mod(startStep - context, this.blockSize)]++;
    const lastStep = startStep + t.outputTokens[id] - generated - 1;
    this.finishHeap.push(lastStep, t.generation[id], id);
  }

  private leaveDecode(id: number): void {
    const t = this.ctx.requests;
    const startStep = t.decodeStartStep[id];
    const context = t.decodeStartContextTokens[id];
    this.decodeCount--;
    this.decodeContextOffset -= context - startStep;
    this.blocksDueByPhase[mod(startStep - context, this.blockSize)]--;
  }

  private leaveForTransfer(id: number, computed: number, nowSeconds: number): void {
    const t = this.ctx.requests;
    const held = ceilDiv(computed, this.blockSize);
    // Out of every queue of this replica; the cluster owns the request until a decode instance takes it.
    t.state[id] = RequestState.pending;
    this.runningCount--;
    this.blocksHeldOutside += held;
    this.ctx.onPromptComputed!(id, nowSeconds, held);
  }

  private finish(id: number, contextTokens: number, nowSeconds: number): void {
    const t = this.ctx.requests;
    t.state[id] = RequestState.finished;
    t.finishSeconds[id] = nowSeconds;
    const cache = this.ctx.prefixCache;
    const blocks = ceilDiv(this.heldTokens(id, contextTokens), this.blockSize);
    if (cache === undefined) {
      this.freeBlocks += blocks;
    } else {
      // Blocks of the output a later request shares (a conversation's next turn) are cached as it leaves.
      cache.register(id, contextTokens, this.blockSize);
      this.freeBlocks += cache.release(id, blocks);
    }
    this.runningCount--;
    this.ctx.onFinish(id, nowSeconds);
  }

  /** KV slots a request holds: its KV, or more when speculation allocated lookahead slots. */
  private heldTokens(id: number, contextTokens: number): number {
    const sp = this.spec;
    if (sp === undefined) return contextTokens;
    const held = Math.max(contextTokens, sp.allocatedTokens[id]);
    sp.allocatedTokens[id] = 0;
    return held;
  }

  /** Recompute preemption at the start of step k (before the step's allocation). */
  private preempt(id: number, k: number, nowSeconds: number): void {
    const t = this.ctx.requests;
    let context: number;
    if (t.state[id] === RequestState.decoding && this.spec !== undefined) {
      context = t.decodeStartContextTokens[id];
      t.lastTokenSeconds[id] = nowSeconds;
    } else if (t.state[id] === RequestState.decoding) {
      const advanced = k - t.decodeStartStep[id];
      this.ctx.tokenTimes?.noteStint(id, this.index, t.decodeStartStep[id], k - 1);
      context = t.decodeStartContextTokens[id] + advanced;
      t.generatedTokens[id] += advanced;
      this.leaveDecode(id);
      t.lastTokenSeconds[id] = nowSeconds;
    } else {
      context = t.computedTokens[id];
    }
    // Its cached blocks stay cached while free: the recompute finds those not evicted meanwhile.
    const cache = this.ctx.prefixCache;
    const held = ceilDiv(this.heldTokens(id, context), this.blockSize);
    this.freeBlocks += cache === undefined ? held : cache.release(id, held);
    t.state[id] = RequestState.waiting;
    t.computedTokens[id] = 0;
    t.generation[id]++;
    t.preemptions[id]++;
    this.preemptions++;
    this.waitingQueue.pushFront(id);
  }

  private pushRunning(id: number): void {
    if (this.runningLength === this.running.length) this.compactRunning();
    if (this.runningLength === this.running.length) {
      const grown = new Int32Array(this.running.length * 2);
      grown.set(this.running);
      this.running = grown;
    }
    this.running[this.runningLength++] = id;
    this.runningCount++;
    this.ctx.prefixCache?.noteAdmitted(id);
  }

  private isRunning(id: number): boolean {
    const t = this.ctx.requests;
    const s = t.state[id];
    // The owner check matters in a disaggregated cluster, where a request that left a prefill
    // instance (a dead entry in its running list) runs again on a decode instance.
    return (s === RequestState.prefilling || s === RequestState.decoding) && t.replica[id] === this.index;
  }

  private lastRunning(): number {
    while (this.runningLength > 0 && !this.isRunning(this.running[this.runningLength - 1])) this.runningLength--;
    return this.runningLength > 0 ? this.running[this.runningLength - 1] : -1;
  }

  private popLastRunning(): number {
    const id = this.lastRunning();
    this.runningLength--;
    this.runningCount--;
    return id;
  }

  /** Drops finished entries, keeping admission order. */
  private compactRunning(): void {
    let w = 0;
    for (let r = 0; r < this.runningLength; r++) {
      const id = this.running[r];
      if (this.isRunning(id)) this.running[w++] = id;
    }
    this.runningLength = w;
  }

  private recordStep(nowSeconds: number, seconds: number): void {
    const sequences = this.stepPrefillCount + this.stepDecodeCount + (this.spec?.count ?? 0);
    const used = this.totalBlocks - this.freeBlocks;
    this.steps++;
    this.busySeconds += seconds;
    this.scheduledSequences += sequences;
    if (used > this.peakUsedBlocks) this.peakUsedBlocks = used;
    this.batchSizeSeries.offer(nowSeconds, sequences);
    this.kvSeries.offer(nowSeconds, used / this.totalBlocks);
    this.waitingSeries.offer(nowSeconds, this.waitingQueue.size);
    // Operator split: every Nth step is priced with its breakdown; the steps until the next sample
    // are split in the same proportions. Total busy time stays exact; the split is a sample.
    if (this.stepsSinceOperatorSample === 0) this.sampleOperators();
    this.stepsSinceOperatorSample = (this.stepsSinceOperatorSample + 1) % this.ctx.operatorSampleInterval;
    for (let i = 0; i < this.operatorFractions.length; i++) {
      this.operatorSeconds[i] += seconds * this.operatorFractions[i];
    }
  }

  /**
   * What the model prices for the step (cycle) in flight: the batch itself, or with pipeline stages one of
   * its min(stages, sequences) equal micro-batches. Every stage works on each micro-batch in turn, so a
   * cycle of k <= stages micro-batches takes k stage-times of one micro-batch, which is at most the time
   * the last one needs to go through all the stages: the cycle is that micro-batch's step time. A decode
   * run stays affine: the micro-batch's context grows by its own decode count each step.
   */
  private priced(): StepBatch {
    const b = this.batch;
    if (this.stages === 1) return b;
    const m = this.microBatch;
    const share = 1 / Math.max(1, Math.min(this.stages, b.prefillSequences + b.decodeSequences));
    m.prefillSequences = b.prefillSequences * share;
    m.prefillTokens = b.prefillTokens * share;
    m.prefillCachedTokens = b.prefillCachedTokens * share;
    m.prefillAttentionPairs = b.prefillAttentionPairs * share;
    m.decodeSequences = b.decodeSequences * share;
    m.decodeCachedTokens = b.decodeCachedTokens * share;
    return m;
  }

  private sampleOperators(): void {
    const model = this.ctx.performanceModel;
    this.operatorFractions.fill(0);
    // A model without a breakdown (a lookup table) leaves the time by operator empty.
    if (model.stepTime === undefined) return;
    const step = model.stepTime(this.priced());
    let total = 0;
    for (const part of step.breakdown) total += part.seconds;
    if (!(total > 0)) {
      this.operatorFractions[OPERATOR_NAMES.indexOf('overhead')] = 1;
      return;
    }
    for (const part of step.breakdown) {
      const i = OPERATOR_NAMES.indexOf(part.op);
      if (i >= 0) this.operatorFractions[i] += part.seconds / total;
    }
  }
}

function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
