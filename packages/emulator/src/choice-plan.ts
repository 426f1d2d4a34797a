import type { Random } from '@llm-sim/simulator';
import { drawOutputLength, type OutputLengthDistribution } from './output-length.ts';

/** The text of every generated token: the emulator produces timing, not language. */
export const FILLER_TOKEN_TEXT = ' tok';

/** The end-of-sequence token as logprobs name it; it adds no text, as vLLM skips special tokens. */
export const EOS_TOKEN_TEXT = '</s>';

/** What decides when one choice (one sequence of `n`, for one prompt) ends, as vLLM's `SamplingParams` say it. */
export interface SamplingLimits {
  /** Most tokens to generate: `max_tokens`, or what the context leaves when the client set none. */
  readonly maxTokens: number;
  /** Whether the client set the limit; without one the model ends at its EOS, drawn from the distribution. */
  readonly clientLimit: boolean;
  /** vLLM's `ignore_eos`: generate to the limit, as `vllm bench serve --ignore-eos` asks. */
  readonly ignoreEos: boolean;
  /** vLLM's `min_tokens`: neither EOS nor a stop string ends a choice before this many tokens. */
  readonly minTokens: number;
  readonly stop: readonly string[];
  /** vLLM's `include_stop_str_in_output`. */
  readonly includeStopString: boolean;
}

/** How one choice will end, decided when it arrives (the filler text is known in advance, so is any stop string's place). */
export interface ChoicePlan {
  /** The choice's `index` in the response: prompt index * n + sample index, as vLLM numbers them. */
  readonly index: number;
  readonly promptTokens: number;
  /** Tokens the engine generates, the EOS token included when it ends the choice. */
  readonly outputTokens: number;
  readonly finishReason: 'stop' | 'length';
  /** vLLM's `stop_reason`: the stop string that matched, null for EOS or length. */
  readonly stopReason: string | null;
  /** The whole output text. */
  readonly text: string;
  /** Characters a stream holds back until the end, so that a stop string is never sent in part (vLLM's stop buffer). */
  readonly holdBackCharacters: number;
  /** Whether the last token is the EOS token. */
  readonly endsWithEos: boolean;
}

/** The number of filler tokens after which `stop` first appears in the text, or Infinity if it never does. */
export function tokensUntilStopString(stop: string): number {
  // A string that appears in the repeated filler at all appears within its length in tokens, plus one.
  const most = Math.ceil(stop.length / FILLER_TOKEN_TEXT.length) + 1;
  for (let k = 1; k <= most; k++) if (FILLER_TOKEN_TEXT.repeat(k).includes(stop)) return k;
  return Infinity;
}

/**
 * Decides where a choice ends, checking in vLLM's order (`check_stop`): nothing before `min_tokens`, then the
 * EOS token, then stop strings, then the length limit. EOS comes only when the client set no limit and did
 * not ask to ignore it: a client that names a length is served that length, as a benchmark asks.
 */
export function planChoice(
  index: number,
  promptTokens: number,
  limits: SamplingLimits,
  eos: { readonly random: Random; readonly distribution: OutputLengthDistribution },
): ChoicePlan {
  const floor = Math.max(1, limits.minTokens);
  const eosAt = !limits.clientLimit && !limits.ignoreEos ? Math.max(floor, drawOutputLength(eos.random, eos.distribution)) : Infinity;
  let stopAt = Infinity;
  let stopString: string | null = null;
  for (const s of limits.stop) {
    // A stop string that the filler already shows before min_tokens matches again one token later, at the earliest.
    let k = tokensUntilStopString(s);
    if (k < floor && Number.isFinite(k)) k = FILLER_TOKEN_TEXT.repeat(floor).includes(s) ? floor : Infinity;
    if (k < stopAt) {
      stopAt = k;
      stopString = s;
    }
  }
  const holdBackCharacters = limits.stop.length > 0 && !limits.includeStopString ? Math.max(...limits.stop.map((s) => s.length)) - 1 : 0;
  const outputTokens = Math.min(limits.maxTokens, eosAt, stopAt);
  if (outputTokens === eosAt) {
    return { index, promptTokens, outputTokens, finishReason: 'stop', stopReason: null, text: FILLER_TOKEN_TEXT.repeat(outputTokens - 1), holdBackCharacters, endsWithEos: true };
  }
  if (outputTokens === stopAt && stopString !== null) {
    const full = FILLER_TOKEN_TEXT.repeat(outputTokens);
    // The occurrence this token completed: the last one (before min_tokens, earlier ones were not looked for).
    const at = full.lastIndexOf(stopString);
    const text = full.slice(0, limits.includeStopString ? at + stopString.length : at);
    return { index, promptTokens, outputTokens, finishReason: 'stop', stopReason: stopString, text, holdBackCharacters, endsWithEos: false };
  }
  return { index, promptTokens, outputTokens, finishReason: 'length', stopReason: null, text: FILLER_TOKEN_TEXT.repeat(outputTokens), holdBackCharacters, endsWithEos: false };
}

/** Characters of a choice's text a stream has sent once `generated` tokens are out. */
export function streamedCharacters(plan: ChoicePlan, generated: number): number {
  if (generated >= plan.outputTokens) return plan.text.length;
  return Math.min(plan.text.length, Math.max(0, generated * FILLER_TOKEN_TEXT.length - plan.holdBackCharacters));
}

/** The token a step emitted, as logprobs name it. */
export function tokenText(plan: ChoicePlan, tokenIndex: number): string {
  return plan.endsWithEos && tokenIndex === plan.outputTokens - 1 ? EOS_TOKEN_TEXT : FILLER_TOKEN_TEXT;
}
