/**
 * Token ids the synthetic prompts draw from. Ids 1000..29999 are ordinary vocabulary in every tokenizer the
 * catalog serves (Llama 2's 32k, Llama 3's 128k, Qwen's 151k, Mistral's 32k): clear of the byte-fallback and
 * control tokens at the bottom and the special tokens that Llama 3 and Qwen put above 128000.
 */
export const DEFAULT_PROMPT_TOKEN_RANGE = { firstTokenId: 1000, tokenIdCount: 29_000 } as const;

/** The seed and the token id range (default `DEFAULT_PROMPT_TOKEN_RANGE`) synthetic prompts are drawn from. */
export interface PromptTokenOptions {
  /** Varies every prompt of a run; pass a fresh one per invocation (see below). */
  readonly seed: number;
  readonly firstTokenId?: number;
  readonly tokenIdCount?: number;
}

/** mulberry32: a small, well-mixed 32-bit generator; enough for token ids, not for cryptography. */
function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * The prompt of the `requestIndex`-th request of a run: exactly `inputLen` token ids, sent as a list so that the
 * server does not tokenize (and cannot make the prompt longer or shorter).
 *
 * Why every prompt differs from its first tokens on: vLLM's automatic prefix caching (on by default in V1)
 * reuses the KV cache of any full 16-token block whose whole prefix it has seen, and a cached prompt skips its
 * prefill, so a repeated prompt would measure a cache hit instead of a prefill. The first two tokens spell the
 * request index (unique within a run), the rest come from a generator seeded by (seed, index). The server's
 * cache outlives the runner, so a resumed or repeated run against the same server needs another `seed`.
 */
export function promptTokenIds(inputLen: number, requestIndex: number, options: PromptTokenOptions): number[] {
  const first = options.firstTokenId ?? DEFAULT_PROMPT_TOKEN_RANGE.firstTokenId;
  const count = options.tokenIdCount ?? DEFAULT_PROMPT_TOKEN_RANGE.tokenIdCount;
  const next = mulberry32(Math.imul(options.seed >>> 0, 0x9e3779b1) ^ Math.imul(requestIndex + 1, 0x85ebca6b));
  const ids = new Array<number>(inputLen);
  for (let i = 0; i < inputLen; i++) {
    if (i === 0) ids[i] = first + (requestIndex % count);
    else if (i === 1) ids[i] = first + (Math.floor(requestIndex / count) % count);
    else ids[i] = first + (next() % count);
  }
  return ids;
}
