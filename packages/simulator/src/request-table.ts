/** Lifecycle states of a request inside the simulation. */
export const RequestState = {
  pending: 0,
  waiting: 1,
  prefilling: 2,
  decoding: 3,
  finished: 4,
  failed: 5,
} as const;

/** The per-request status reported in results. */
export const RequestStatus = { pending: 0, waiting: 1, running: 2, finished: 3, failed: 4 } as const;

/** Why a request failed; `failureReason` holds the index into this list (0 = did not fail). */
export const FAILURE_REASONS = [
  'none',
  'exceeds_max_model_len',
  'exceeds_kv_cache_capacity',
  // Without chunked prefill a prompt (or a recomputed prompt and output) must fit one step's budget.
  'exceeds_max_num_batched_tokens',
] as const;
/** Why a request failed (e.g. its prompt cannot fit the KV cache or the context), as counted in `failure_reasons`. */
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * Every request's state, column by column, indexed by request id (its position in the request set).
 * One simulation owns one table; replicas read and write the rows of the requests they hold.
 */
export class RequestTable {
  readonly count: number;
  readonly arrivalSeconds: Float64Array;
  readonly inputTokens: Int32Array;
  readonly outputTokens: Int32Array;
  readonly state: Uint8Array;
  /** Prompt tokens computed so far while prefilling (a chunked prompt grows chunk by chunk). */
  readonly computedTokens: Int32Array;
  /** Tokens this admission must prefill: the prompt plus any output generated before a preemption. */
  readonly prefillTargetTokens: Int32Array;
  /** Output tokens generated; while decoding, those generated before `decodeStartStep`. */
  readonly generatedTokens: Int32Array;
  /** First engine step in which the request decodes, and its KV length at the start of that step. */
  readonly decodeStartStep: Float64Array;
  readonly decodeStartContextTokens: Int32Array;
  /** Bumped at each preemption, so stale entries of the finish heap are recognised. */
  readonly generation: Int32Array;
  readonly firstScheduledSeconds: Float64Array;
  readonly firstTokenSeconds: Float64Array;
  readonly lastTokenSeconds: Float64Array;
  readonly finishSeconds: Float64Array;
  readonly preemptions: Int32Array;
  readonly replica: Int32Array;
  readonly failureReason: Uint8Array;

  constructor(arrivalSeconds: Float64Array, inputTokens: Int32Array, outputTokens: Int32Array) {
    const n = arrivalSeconds.length;
    this.count = n;
    this.arrivalSeconds = arrivalSeconds;
    this.inputTokens = inputTokens;
    this.outputTokens = outputTokens;
    this.state = new Uint8Array(n);
    this.computedTokens = new Int32Array(n);
    this.prefillTargetTokens = new Int32Array(n);
    this.generatedTokens = new Int32Array(n);
    this.decodeStartStep = new Float64Array(n);
    this.decodeStartContextTokens = new Int32Array(n);
    this.generation = new Int32Array(n);
    this.firstScheduledSeconds = new Float64Array(n).fill(NaN);
    this.firstTokenSeconds = new Float64Array(n).fill(NaN);
    this.lastTokenSeconds = new Float64Array(n).fill(NaN);
    this.finishSeconds = new Float64Array(n).fill(NaN);
    this.preemptions = new Int32Array(n);
    this.replica = new Int32Array(n).fill(-1);
    this.failureReason = new Uint8Array(n);
  }
}
