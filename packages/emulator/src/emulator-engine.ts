import { SchedulerConfigSchema, type PerformanceModel, type SchedulerConfig, type SchedulerConfigInput } from '@llm-sim/simulator';
import type { CancelTimer, Clock } from './clock.ts';
import { EmulatorError } from './errors.ts';
import { StepScheduler, type SchedulerEntry } from './step-scheduler.ts';

/** What the engine serves with: the performance model, the KV-cache capacity and the scheduler settings, and the clock. */
export interface EmulatorEngineOptions {
  readonly performanceModel: PerformanceModel;
  /** KV-cache capacity in blocks of `scheduler.blockSize` tokens (the factory derives it from the memory plan). */
  readonly kvCacheBlocks: number;
  readonly scheduler?: SchedulerConfigInput;
  readonly clock: Clock;
  /** Called at the end of every step, after its tokens' callbacks, with what vLLM counts as the iteration's tokens. */
  readonly onStepEnd?: (step: StepEnd) => void;
}

/** One finished step: the prompts whose prefill it completed and the tokens it generated, as vLLM's iteration stats count them. */
export interface StepEnd {
  readonly endSeconds: number;
  readonly promptTokens: number;
  readonly generationTokens: number;
}

/** Why a request can never run, named as the simulator's failure reasons are. */
export type RejectionReason = 'exceeds_max_model_len' | 'exceeds_kv_cache_capacity' | 'exceeds_max_num_batched_tokens';

/** A request as the engine schedules it: prompt and output lengths, and how its tokens are delivered. */
export interface EngineRequest {
  readonly inputTokens: number;
  /** Tokens to generate; the server decides in advance where EOS or a stop string ends a request. */
  readonly outputTokens: number;
  /** Called at the end of the step that produced output token `tokenIndex` (from 0), with that step's end time. */
  readonly onToken?: (tokenIndex: number, timeSeconds: number) => void;
  /** Called once, after the last token's `onToken`. */
  readonly onFinish?: (result: EngineRequestResult) => void;
}

/** What the engine recorded of a finished request: arrival, first token, finish and token counts. */
export interface EngineRequestResult {
  readonly id: number;
  readonly arrivalSeconds: number;
  readonly firstScheduledSeconds: number;
  readonly firstTokenSeconds: number;
  readonly finishSeconds: number;
  readonly preemptions: number;
}

interface Tracked {
  readonly entry: SchedulerEntry;
  readonly request: EngineRequest;
  readonly arrivalSeconds: number;
  firstScheduledSeconds: number;
  firstTokenSeconds: number;
}

/**
 * The simulator's scheduling on a real clock: requests are added at any time; the loop schedules a
 * step (vLLM V1 rules, see `StepScheduler`), prices it with the performance model, waits that long
 * on the clock, then emits one token to every request whose computed tokens caught up, and goes on
 * while there is work. Concurrent requests share steps, so they slow each other down as they would
 * on the hardware.
 *
 * Steps chain on their ideal end times: a step that follows another starts when the previous one
 * was due to end, not when its timer happened to fire, so timer lateness does not accumulate. On a
 * `ManualClock` every token time equals the simulator's for the same arrivals.
 */
export class EmulatorEngine {
  readonly config: SchedulerConfig;
  private readonly performanceModel: PerformanceModel;
  private readonly clock: Clock;
  private readonly onStepEnd: ((step: StepEnd) => void) | undefined;
  private readonly scheduler: StepScheduler;
  private readonly tracked = new Map<number, Tracked>();
  /**
   * Requests that arrived but have not reached the scheduler yet, oldest first: each joins the first step that
   * starts at or after its arrival, never one that (chained on ideal times after a late timer) started before.
   */
  private readonly arrivals: Tracked[] = [];
  private nextId = 0;
  private busy = false;
  private closed = false;
  private pendingSchedule: CancelTimer | undefined;
  private stepTimer: CancelTimer | undefined;
  /** Ideal end of the last step when the next schedule continues a busy period; undefined when idle. */
  private chainFromSeconds: number | undefined;
  private stepCount = 0;
  private busySecondsTotal = 0;

  constructor(options: EmulatorEngineOptions) {
    const parsed = SchedulerConfigSchema.safeParse(options.scheduler ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `scheduler.${i.path.map(String).join('.')}: ${i.message}`).join('; ');
      throw new EmulatorError('INVALID_CONFIG', `invalid scheduler options: ${issues}`);
    }
    if (!Number.isInteger(options.kvCacheBlocks) || options.kvCacheBlocks <= 0) {
      throw new EmulatorError('INVALID_CONFIG', `kvCacheBlocks must be a positive integer, got ${options.kvCacheBlocks}`);
    }
    this.config = parsed.data;
    this.performanceModel = options.performanceModel;
    this.clock = options.clock;
    this.onStepEnd = options.onStepEnd;
    this.scheduler = new StepScheduler(this.config, options.kvCacheBlocks);
  }

  get runningRequests(): number {
    return this.scheduler.runningRequests;
  }
  get waitingRequests(): number {
    return this.scheduler.waitingRequests + this.arrivals.length;
  }
  get usedKvBlocks(): number {
    return this.scheduler.usedKvBlocks;
  }
  get kvCacheBlocks(): number {
    return this.scheduler.kvCacheBlocks;
  }
  /** Used KV blocks / all blocks, as vLLM's `kv_cache_usage_perc` (a fraction despite the name). */
  get kvCacheUsage(): number {
    return this.scheduler.usedKvBlocks / this.scheduler.kvCacheBlocks;
  }
  get preemptions(): number {
    return this.scheduler.preemptions;
  }
  get steps(): number {
    return this.stepCount;
  }
  get busySeconds(): number {
    return this.busySecondsTotal;
  }

  /**
   * Why a request of this size could never run (the simulator's failure rules), or undefined. The
   * KV cache holds the prompt and every output token but the last, which is never fed back.
   */
  rejectionReason(inputTokens: number, outputTokens: number): RejectionReason | undefined {
    const { maxModelLen, blockSize, enableChunkedPrefill, maxNumBatchedTokens } = this.config;
    if (maxModelLen !== undefined && inputTokens + outputTokens > maxModelLen) return 'exceeds_max_model_len';
    if (inputTokens + outputTokens - 1 > this.scheduler.kvCacheBlocks * blockSize) return 'exceeds_kv_cache_capacity';
    if (!enableChunkedPrefill && inputTokens + outputTokens - 1 > maxNumBatchedTokens) return 'exceeds_max_num_batched_tokens';
    return undefined;
  }

  /** Queues a request now; returns its id. Throws REQUEST_TOO_LONG for a request that could never run. */
  add(request: EngineRequest): number {
    if (this.closed) throw new EmulatorError('ENGINE_CLOSED', 'the engine is closed');
    const { inputTokens, outputTokens } = request;
    if (!Number.isInteger(inputTokens) || inputTokens < 1 || !Number.isInteger(outputTokens) || outputTokens < 1) {
      throw new EmulatorError('INVALID_CONFIG', `inputTokens and outputTokens must be integers >= 1, got ${inputTokens} and ${outputTokens}`);
    }
    const reason = this.rejectionReason(inputTokens, outputTokens);
    if (reason !== undefined) {
      throw new EmulatorError(
        'REQUEST_TOO_LONG',
        `a request of ${inputTokens} prompt and ${outputTokens} output tokens can never run: ${describeRejection(reason, this)}`,
      );
    }
    const id = this.nextId++;
    const entry: SchedulerEntry = {
      id,
      inputTokens,
      outputTokens,
      computedTokens: 0,
      generatedTokens: 0,
      blocks: 0,
      prefilling: false,
      state: 'waiting',
      preemptions: 0,
    };
    const tracked: Tracked = { entry, request, arrivalSeconds: this.clock.nowSeconds(), firstScheduledSeconds: NaN, firstTokenSeconds: NaN };
    this.tracked.set(id, tracked);
    this.arrivals.push(tracked);
    this.requestSchedule();
    return id;
  }

  /** Drops a request (a client that went away): its KV blocks are free for the next step. False if unknown or done. */
  abort(id: number): boolean {
    const t = this.tracked.get(id);
    if (t === undefined) return false;
    this.tracked.delete(id);
    const pending = this.arrivals.indexOf(t);
    if (pending >= 0) this.arrivals.splice(pending, 1);
    this.scheduler.remove(t.entry);
    t.entry.state = 'aborted';
    return true;
  }

  /** Stops the loop and forgets every request; callbacks are not called again. */
  close(): void {
    this.closed = true;
    this.pendingSchedule?.();
    this.stepTimer?.();
    this.pendingSchedule = undefined;
    this.stepTimer = undefined;
    for (const id of [...this.tracked.keys()]) this.abort(id);
  }

  /**
   * Schedules on a zero-delay timer rather than at once, so that every request added at the same
   * instant joins the same step (the simulator's order: step ends, then arrivals, then scheduling).
   */
  private requestSchedule(): void {
    if (this.busy || this.pendingSchedule !== undefined || this.closed) return;
    this.pendingSchedule = this.clock.setTimer(0, () => {
      this.pendingSchedule = undefined;
      this.startStep();
    });
  }

  private startStep(): void {
    if (this.busy || this.closed) return;
    const now = this.clock.nowSeconds();
    let startSeconds = this.chainFromSeconds ?? now;
    this.chainFromSeconds = undefined;
    // With nothing else to run, a step waits for its first request (arrived after the previous step's ideal end).
    if (!this.scheduler.hasWork && this.arrivals.length > 0) startSeconds = Math.max(startSeconds, this.arrivals[0].arrivalSeconds);
    let admitted = 0;
    while (admitted < this.arrivals.length && this.arrivals[admitted].arrivalSeconds <= startSeconds) {
      this.scheduler.enqueue(this.arrivals[admitted++].entry);
    }
    this.arrivals.splice(0, admitted);
    const step = this.scheduler.schedule();
    if (step === undefined) return;
    const seconds = this.performanceModel.stepSeconds(step.batch);
    if (!(seconds > 0) || !Number.isFinite(seconds)) {
      throw new EmulatorError(
        'INVALID_STEP_TIME',
        `performance model returned ${seconds} s for a step of ${step.batch.prefillTokens} prefill tokens and ${step.batch.decodeSequences} decodes; a step must take a finite positive time`,
      );
    }
    for (const { entry } of step.entries) {
      const t = this.tracked.get(entry.id);
      if (t !== undefined && Number.isNaN(t.firstScheduledSeconds)) t.firstScheduledSeconds = startSeconds;
    }
    this.busy = true;
    this.stepCount++;
    this.busySecondsTotal += seconds;
    const endSeconds = startSeconds + seconds;
    // (start - now) + seconds, not end - now: on a manual clock start === now, and the timer then
    // falls due at exactly now + seconds, the simulator's step end.
    this.stepTimer = this.clock.setTimer(startSeconds - now + seconds, () => {
      this.stepTimer = undefined;
      this.completeStep(endSeconds);
    });
  }

  private completeStep(endSeconds: number): void {
    this.busy = false;
    let promptTokens = 0;
    let generationTokens = 0;
    for (const { entry, tokenIndex, finished } of this.scheduler.complete()) {
      const t = this.tracked.get(entry.id);
      if (t === undefined) continue;
      generationTokens++;
      if (tokenIndex === 0) {
        t.firstTokenSeconds = endSeconds;
        promptTokens += entry.inputTokens;
      }
      if (finished) this.tracked.delete(entry.id);
      t.request.onToken?.(tokenIndex, endSeconds);
      if (finished) {
        t.request.onFinish?.({
          id: entry.id,
          arrivalSeconds: t.arrivalSeconds,
          firstScheduledSeconds: t.firstScheduledSeconds,
          firstTokenSeconds: t.firstTokenSeconds,
          finishSeconds: endSeconds,
          preemptions: entry.preemptions,
        });
      }
    }
    if (!this.closed) this.onStepEnd?.({ endSeconds, promptTokens, generationTokens });
    if ((this.scheduler.hasWork || this.arrivals.length > 0) && !this.closed) {
      this.chainFromSeconds = endSeconds;
      this.requestSchedule();
    }
  }
}

function describeRejection(reason: RejectionReason, engine: EmulatorEngine): string {
  const c = engine.config;
  switch (reason) {
    case 'exceeds_max_model_len':
      return `prompt + output exceeds max_model_len ${c.maxModelLen}`;
    case 'exceeds_kv_cache_capacity':
      return `prompt + output - 1 exceeds the KV cache's ${engine.kvCacheBlocks * c.blockSize} tokens`;
    case 'exceeds_max_num_batched_tokens':
      return `without chunked prefill, prompt + output - 1 must fit max_num_batched_tokens ${c.maxNumBatchedTokens}`;
  }
}
