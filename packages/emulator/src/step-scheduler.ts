import { EmulatorError } from './errors.ts';
import { summarizeBatch, type ScheduledSequence, type SchedulerConfig, type StepBatch } from '@llm-sim/simulator';

/** One request inside the scheduler; the engine reads its counters, only the scheduler writes them. */
export interface SchedulerEntry {
  readonly id: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Tokens in the KV cache (prompt, then prompt and output fed back); 0 after a preemption. */
  computedTokens: number;
  /** Output tokens emitted so far (kept across preemptions: the client already has them). */
  generatedTokens: number;
  blocks: number;
  prefilling: boolean;
  state: 'waiting' | 'running' | 'finished' | 'aborted';
  preemptions: number;
}

/** A step scheduled by `schedule`: the requests and their new tokens, and the batch to price. */
export interface ScheduledStep {
  readonly entries: readonly { readonly entry: SchedulerEntry; readonly tokens: number }[];
  readonly batch: StepBatch;
}

/** What one finished step produced: each request that emitted a token, and whether that finished it. */
export interface StepOutcome {
  readonly entry: SchedulerEntry;
  /** Index of the emitted token, from 0. */
  readonly tokenIndex: number;
  readonly finished: boolean;
}

/**
 * vLLM V1's scheduler (v0.11 `Scheduler.schedule`, FCFS, recompute preemption, no prefix caching) one
 * step at a time, for requests that arrive while it runs; the rules are the simulator's (see its
 * `Replica`), written the plain way since a served engine holds hundreds of requests, not millions:
 * running requests first in admission order, each asking for its remaining tokens (1 for a decode,
 * the rest of the prompt capped by the budget for a prefill); when blocks run short the most
 * recently admitted running request is preempted (blocks freed, back to the front of the waiting
 * queue) until the request fits; only if nothing was preempted are waiting requests admitted FCFS
 * while the token budget, `maxNumSeqs` and free blocks allow, the last one possibly with a chunk.
 */
export class StepScheduler {
  private readonly config: SchedulerConfig;
  private readonly totalBlocks: number;
  private freeBlocks: number;
  private readonly running: SchedulerEntry[] = [];
  private waiting: SchedulerEntry[] = [];
  private inFlight: ScheduledStep | undefined;
  preemptions = 0;

  constructor(config: SchedulerConfig, kvCacheBlocks: number) {
    this.config = config;
    this.totalBlocks = kvCacheBlocks;
    this.freeBlocks = kvCacheBlocks;
  }

  get runningRequests(): number {
    return this.running.length;
  }
  get waitingRequests(): number {
    return this.waiting.length;
  }
  get usedKvBlocks(): number {
    return this.totalBlocks - this.freeBlocks;
  }
  get kvCacheBlocks(): number {
    return this.totalBlocks;
  }
  get hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  enqueue(entry: SchedulerEntry): void {
    entry.state = 'waiting';
    this.waiting.push(entry);
  }

  /** Takes a request out wherever it is and frees its blocks; a step in flight skips it when it ends. */
  remove(entry: SchedulerEntry): void {
    const r = this.running.indexOf(entry);
    if (r >= 0) this.running.splice(r, 1);
    const w = this.waiting.indexOf(entry);
    if (w >= 0) this.waiting.splice(w, 1);
    this.freeBlocks += entry.blocks;
    entry.blocks = 0;
  }

  /**
   * Fills the next step; undefined when there is nothing to run. A pass that only preempts schedules
   * nothing, and the scheduler runs again at once, as vLLM's engine loop would.
   */
  schedule(): ScheduledStep | undefined {
    for (let pass = 0; this.hasWork; pass++) {
      const { scheduled, preempted } = this.schedulePass();
      if (scheduled.length > 0) {
        const sequences: ScheduledSequence[] = scheduled.map(({ entry, tokens }) => ({
          newTokens: tokens,
          cachedTokens: entry.computedTokens,
          isPrefill: entry.prefilling,
        }));
        this.inFlight = { entries: scheduled, batch: summarizeBatch(sequences) };
        return this.inFlight;
      }
      // Admission checks make every request fit an empty cache, so a pass with work always schedules
      // something or preempts; each preemption empties the running list further.
      if (!preempted || pass > this.totalBlocks + this.running.length + 1) {
        throw new EmulatorError('INTERNAL', `step scheduler stuck with ${this.waiting.length} waiting and ${this.freeBlocks} of ${this.totalBlocks} KV blocks free`);
      }
    }
    return undefined;
  }

  /** Ends the step in flight: advances computed tokens and returns the tokens it emitted, in schedule order. */
  complete(): StepOutcome[] {
    const step = this.inFlight;
    this.inFlight = undefined;
    const outcomes: StepOutcome[] = [];
    if (step === undefined) return outcomes;
    for (const { entry, tokens } of step.entries) {
      if (entry.state !== 'running') continue;
      entry.computedTokens += tokens;
      if (entry.computedTokens < entry.inputTokens + entry.generatedTokens) continue;
      entry.prefilling = false;
      const tokenIndex = entry.generatedTokens++;
      const finished = entry.generatedTokens >= entry.outputTokens;
      if (finished) {
        entry.state = 'finished';
        this.remove(entry);
      }
      outcomes.push({ entry, tokenIndex, finished });
    }
    return outcomes;
  }

  private schedulePass(): { scheduled: { entry: SchedulerEntry; tokens: number }[]; preempted: boolean } {
    const { blockSize, maxNumBatchedTokens, maxNumSeqs, enableChunkedPrefill } = this.config;
    const blocksFor = (tokens: number) => Math.ceil(tokens / blockSize);
    let budget = maxNumBatchedTokens;
    let preempted = false;
    const scheduled: { entry: SchedulerEntry; tokens: number }[] = [];
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const r = this.running[i];
      const tokens = Math.min(r.inputTokens + r.generatedTokens - r.computedTokens, budget);
      const need = blocksFor(r.computedTokens + tokens) - r.blocks;
      let self = false;
      while (need > this.freeBlocks) {
        const victim = this.running.pop()!;
        this.freeBlocks += victim.blocks;
        victim.blocks = 0;
        victim.computedTokens = 0;
        victim.prefilling = false;
        victim.state = 'waiting';
        victim.preemptions++;
        this.preemptions++;
        this.waiting.unshift(victim);
        preempted = true;
        if (victim === r) {
          self = true;
          break;
        }
      }
      if (self) break;
      this.freeBlocks -= need;
      r.blocks += need;
      budget -= tokens;
      scheduled.push({ entry: r, tokens });
    }
    if (!preempted) {
      const skipped: SchedulerEntry[] = [];
      while (this.waiting.length > 0 && budget > 0 && this.running.length < maxNumSeqs) {
        const r = this.waiting[0];
        const target = r.inputTokens + r.generatedTokens;
        if (!enableChunkedPrefill && target > budget) {
          // vLLM without chunked prefill skips a prompt that does not fit and tries the next one.
          skipped.push(this.waiting.shift()!);
          continue;
        }
        const tokens = Math.min(target, budget);
        if (blocksFor(tokens) > this.freeBlocks) break;
        this.waiting.shift();
        this.freeBlocks -= blocksFor(tokens);
        r.blocks = blocksFor(tokens);
        r.computedTokens = 0;
        r.prefilling = true;
        r.state = 'running';
        this.running.push(r);
        budget -= tokens;
        scheduled.push({ entry: r, tokens });
      }
      this.waiting = [...skipped, ...this.waiting];
    }
    return { scheduled, preempted };
  }
}
