/**
 * The one question the simulator asks of a performance model: how long does one engine step
 * (one forward pass over every scheduled token) of this batch take on one model instance
 * (all of its TP x PP devices)?
 *
 * The simulator owns this interface; implementations (the roofline, the calibrated roofline, a
 * lookup table of measurements, the test doubles) meet it structurally and never import it.
 *
 * The batch is described by sums rather than a list of sequences so that a step costs O(1) to
 * describe and to price, whatever the batch size: every quantity a roofline needs is a sum over
 * sequences. `summarizeBatch` turns a list of sequences into this shape.
 */
export interface StepBatch {
  /** Sequences computing prompt tokens this step (a whole prompt or one chunk of it). */
  readonly prefillSequences: number;
  /** Prompt tokens computed this step, summed over the prefill sequences. */
  readonly prefillTokens: number;
  /** Tokens already in the KV cache of the prefill sequences (earlier chunks), summed. */
  readonly prefillCachedTokens: number;
  /**
   * Causal-attention query/key pairs of the prefill chunks: the sum over prefill sequences of
   * newTokens * cachedTokens + newTokens * (newTokens + 1) / 2.
   */
  readonly prefillAttentionPairs: number;
  /** Sequences decoding this step: each computes exactly one new token. */
  readonly decodeSequences: number;
  /** Tokens already in the KV cache of the decoding sequences, summed. */
  readonly decodeCachedTokens: number;
}

/** Operator names of a step's breakdown. */
export type OperatorName =
  | 'embedding'
  | 'qkv_proj'
  | 'kv_up_proj'
  | 'attention'
  | 'o_proj'
  | 'mlp'
  | 'moe'
  | 'norm'
  | 'lm_head'
  | 'communication'
  | 'all_to_all'
  | 'pipeline'
  | 'overhead';

/** What limits an operator's time: arithmetic, memory traffic, communication between devices, or fixed engine overhead. */
export type Bound = 'compute' | 'memory' | 'communication' | 'overhead';

/** One operator's share of a step: its time, the work it does (FLOPs, bytes moved) and what bounds it. */
export interface OperatorTime {
  readonly op: OperatorName;
  readonly seconds: number;
  readonly flops: number;
  readonly bytes: number;
  readonly bound: Bound;
}

/** A step's wall time and its breakdown by operator. */
export interface StepTime {
  /** Wall time of the step in seconds: always finite and > 0 for a non-empty batch. */
  readonly totalSeconds: number;
  /** Time by operator, summed over all layers; the seconds add up to totalSeconds. */
  readonly breakdown: readonly OperatorTime[];
}

/** How long one engine step of a batch takes on one model instance: the only question the simulator asks of a model. Any object with `stepSeconds` plugs in. */
export interface PerformanceModel {
  /**
   * The step's wall time alone: the simulator's hot path, called once per engine step, so
   * implementations should not allocate. This is all a model must answer: a lookup table of measured
   * step times is `{ stepSeconds: (batch) => ... }`.
   */
  stepSeconds(batch: StepBatch): number;
  /**
   * Optional: the step's wall time with its breakdown by operator (totalSeconds equal to
   * stepSeconds(batch)). Without it, results carry no time by operator.
   */
  stepTime?(batch: StepBatch): StepTime;
  /**
   * Optional: prices a run of consecutive decode-only steps of an unchanged batch at once. Between
   * two events (an arrival, a finish, a preemption, a sample point) the simulator's steps differ only
   * in context: from one step to the next every decoding sequence has one more cached token, so
   * `decodeCachedTokens` grows by `decodeSequences` and nothing else changes. A model whose step time
   * is affine in `decodeCachedTokens` over some range (a roofline within one regime: each operator
   * stays compute- or memory-bound) answers with the longest such stretch from `batch`, up to
   * `maxSteps`; the simulator sums it in closed form and asks again from where it stops, so a regime
   * change simply ends one answer.
   *
   * How to implement it: return `steps` (1 <= steps <= maxSteps), the first step's time (equal to
   * `stepSeconds(batch)`) and the constant difference between consecutive steps' times, such that step
   * i (0-based) of the run takes `firstStepSeconds + i * stepIncrementSeconds` (to rounding) for every
   * i < steps. Answering `steps: 1` is always correct. Models without this method are priced step by
   * step, with the same results.
   */
  decodeRun?(batch: StepBatch, maxSteps: number): DecodeRun;
}

/** The answer of `PerformanceModel.decodeRun`: an affine stretch of decode-step times. */
export interface DecodeRun {
  /** Steps covered, 1 <= steps <= maxSteps. */
  readonly steps: number;
  /** Time of the first step (the batch as given), in seconds. */
  readonly firstStepSeconds: number;
  /** How much longer each step takes than the one before, in seconds (its context grew by one token a sequence). */
  readonly stepIncrementSeconds: number;
}

/** One scheduled sequence, as a caller who thinks in lists of sequences describes it. */
export interface ScheduledSequence {
  /** Tokens computed this step: a prefill chunk, or 1 for decode. */
  readonly newTokens: number;
  /** Tokens already in this sequence's KV cache. */
  readonly cachedTokens: number;
  /** True when this step computes prompt tokens (prefill); decode otherwise. */
  readonly isPrefill: boolean;
}

/** Sums a list of scheduled sequences into the shape a performance model prices. */
export function summarizeBatch(sequences: readonly ScheduledSequence[]): StepBatch {
  let prefillSequences = 0;
  let prefillTokens = 0;
  let prefillCachedTokens = 0;
  let prefillAttentionPairs = 0;
  let decodeSequences = 0;
  let decodeCachedTokens = 0;
  for (const s of sequences) {
    if (s.isPrefill) {
      prefillSequences += 1;
      prefillTokens += s.newTokens;
      prefillCachedTokens += s.cachedTokens;
      prefillAttentionPairs += s.newTokens * s.cachedTokens + (s.newTokens * (s.newTokens + 1)) / 2;
    } else {
      decodeSequences += 1;
      decodeCachedTokens += s.cachedTokens;
    }
  }
  return {
    prefillSequences,
    prefillTokens,
    prefillCachedTokens,
    prefillAttentionPairs,
    decodeSequences,
    decodeCachedTokens,
  };
}
