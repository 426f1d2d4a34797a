import { percentileOfSorted } from '../latency-stats.ts';
import type { CompletionTiming } from './completion-stream.ts';

/**
 * A batch sent to an idle server reaches it a little apart, and the engine starts a step with whatever has
 * arrived (vLLM's does), so "send to the last first token" often times a prefill of part of the batch followed
 * by a mixed step. The runner therefore keeps the engine busy with a pilot: one short request decoding on its
 * own. Sent while the pilot decodes, the batch waits for the pilot's step to end and is scheduled whole in the
 * next one; the pilot's tokens mark where each step ended, so the batch's prefill is timed from the start of
 * the step that took it to its first tokens: engine time alone, no HTTP, no queueing, no client lateness at
 * the start. The step also decodes the pilot's one token (a few dozen cached tokens): negligible beside a
 * prefill, and said in the point's notes.
 */
export const PILOT_INPUT_LEN = 16;
/** Pilot tokens seen before the batch is sent: the first gaps tell the decode step of the pilot alone. */
export const PILOT_TOKENS_BEFORE_BATCH = 4;
/**
 * The smallest per-step token budget vLLM picks by default (`max_num_batched_tokens` 2048 for the OpenAI server
 * on smaller GPUs; 8192 or more elsewhere): a batch of at most this many prompt tokens is prefilled in one step
 * unless its requests reached the engine apart. A larger batch may be chunked over several steps by the budget,
 * and is timed as it ran (an arrival split then costs one more weight read beside compute-bound work).
 */
export const SMALLEST_DEFAULT_STEP_BUDGET_TOKENS = 2048;

export interface PilotedPrefill {
  /**
   * False when a batch that fits one step had its first tokens from different steps (it reached the engine
   * across a step boundary).
   */
  readonly prefilledTogether: boolean;
  /** From the start of the batch's first step to its last first token; undefined when the pilot cannot tell. */
  readonly prefillMs?: number;
}

/**
 * `pilotTokenMs`: arrival of each of the pilot's tokens; `batch`: the batch's requests (their first tokens);
 * `promptTokens`: the batch's prompt tokens in all. Pure: the runner's timing, read back.
 */
export function prefillFromPilot(
  pilotTokenMs: readonly number[],
  batch: readonly CompletionTiming[],
  options: { readonly promptTokens: number; readonly stepBudgetTokens?: number },
): PilotedPrefill {
  const sentMs = Math.min(...batch.map((t) => t.sentAtMs));
  const firstTokens = batch.map((t) => t.chunkTimesMs[0]);
  const firstMs = Math.min(...firstTokens);
  const lastMs = Math.max(...firstTokens);
  const before = pilotTokenMs.filter((p) => p <= sentMs);
  const soloGaps = before.slice(1).map((p, i) => p - before[i]).slice(-5).sort((a, b) => a - b);
  if (soloGaps.length === 0) return { prefilledTogether: false };
  const soloStepMs = percentileOfSorted(soloGaps, 50);
  // Tokens of one step reach the client within jitter; tokens of two steps at least one step apart.
  const halfStepMs = soloStepMs / 2;
  const fitsOneStep = options.promptTokens <= (options.stepBudgetTokens ?? SMALLEST_DEFAULT_STEP_BUDGET_TOKENS);
  const prefilledTogether = !fitsOneStep || lastMs - firstMs <= halfStepMs;
  // The pilot must still have been decoding when the batch's last step ended, or nothing marks the steps.
  if (!pilotTokenMs.some((p) => p >= firstMs - halfStepMs)) return { prefilledTogether };
  // The step running when the batch was sent had started before it, so the batch's first step starts at the
  // pilot's first token after the send at the earliest; later, if the steps after it decoded the pilot alone
  // (short) because the batch had not arrived yet. A step that takes a chunk of the batch's prompts is long.
  let startIndex = pilotTokenMs.findIndex((p) => p > sentMs);
  if (startIndex < 0 || pilotTokenMs[startIndex] >= firstMs - halfStepMs) return { prefilledTogether };
  for (let i = startIndex + 1; i < pilotTokenMs.length && pilotTokenMs[i] < firstMs - halfStepMs; i++) {
    if (pilotTokenMs[i] - pilotTokenMs[i - 1] < 1.5 * soloStepMs) startIndex = i;
  }
  // Every read is late by what the client's event loop owed, never early. The pilot's solo steps keep a steady
  // cadence, so the marker is its earliest reading: each of the last few solo tokens, carried forward by whole
  // steps. Likewise the batch's last step ended at the earliest reading of any token it emitted (each request's
  // first token and the pilot's).
  let startMs = pilotTokenMs[startIndex];
  for (let k = startIndex - 1; k >= Math.max(0, startIndex - 3); k--) {
    startMs = Math.min(startMs, pilotTokenMs[k] + (startIndex - k) * soloStepMs);
  }
  const endMs = Math.min(...[...firstTokens, ...pilotTokenMs].filter((p) => p >= lastMs - halfStepMs));
  return { prefilledTogether, prefillMs: endMs - startMs };
}
