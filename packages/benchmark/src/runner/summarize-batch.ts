import { percentileOfSorted } from '../latency-stats.ts';
import type { CompletionTiming } from './completion-stream.ts';

/** Gaps each request skips once the whole batch is decoding: the first steps after a prefill run slower. */
export const DEFAULT_SKIP_GAPS = 2;

/** One batch's two measurements (milliseconds). */
export interface BatchSummary {
  /**
   * From sending the batch (the earliest request's send) to the LAST request's first token: every prompt of the
   * batch has been prefilled then. When the batch's prompts exceed the server's per-step token budget
   * (`max_num_batched_tokens`) this spans several engine steps, exactly as a batched prefill does.
   */
  readonly prefillMs: number;
  /**
   * The median inter-token gap while every request of the batch is decoding (after the last first token and
   * before the first request's last token), leaving out each request's first `skipGaps` gaps in that window.
   * A gap over a chunk that carried several tokens (a server streaming every n tokens) counts per token.
   * Undefined when the outputs are too short to leave any such gap.
   */
  readonly decodeStepMs?: number;
  /** How many gaps the decode median is over. */
  readonly decodeGaps: number;
}

export function summarizeBatch(timings: readonly CompletionTiming[], skipGaps = DEFAULT_SKIP_GAPS): BatchSummary {
  if (timings.length === 0) throw new RangeError('summarizeBatch needs at least one request timing');
  const sentMs = Math.min(...timings.map((t) => t.sentAtMs));
  const allDecodingFromMs = Math.max(...timings.map((t) => t.chunkTimesMs[0]));
  const firstDoneMs = Math.min(...timings.map((t) => t.chunkTimesMs[t.chunkTimesMs.length - 1]));
  const gaps: number[] = [];
  for (const t of timings) {
    const tokensPerChunk = Math.max(1, t.completionTokens / t.chunkTimesMs.length);
    let seen = 0;
    for (let i = 1; i < t.chunkTimesMs.length; i++) {
      const from = t.chunkTimesMs[i - 1];
      const to = t.chunkTimesMs[i];
      if (from < allDecodingFromMs || to > firstDoneMs) continue;
      if (seen++ < skipGaps) continue;
      gaps.push((to - from) / tokensPerChunk);
    }
  }
  gaps.sort((a, b) => a - b);
  const summary: BatchSummary = { prefillMs: allDecodingFromMs - sentMs, decodeGaps: gaps.length };
  return gaps.length === 0 ? summary : { ...summary, decodeStepMs: percentileOfSorted(gaps, 50) };
}
