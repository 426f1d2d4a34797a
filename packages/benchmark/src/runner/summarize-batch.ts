import { percentileOfSorted } from '../latency-stats.ts';
import type { CompletionTiming } from './completion-stream.ts';

/** Gaps each request skips once the whole batch is decoding: the first steps after a prefill run slower. */
export const DEFAULT_SKIP_GAPS = 2;

/** One batch's two measurements (milliseconds). */
export interface BatchTimingSummary {
  /**
   * From sending the batch (the earliest request's send) to the LAST request's first token: every prompt of the
   * batch has been prefilled then. When the batch's prompts exceed the server's per-step token budget
   * (`max_num_batched_tokens`) this spans several engine steps, exactly as a batched prefill does.
   */
  readonly prefillMs: number;
  /**
   * False when the stream shows that the server did not prefill the batch together: some request had its
   * second token (so it was already decoding) by the time another request got its first. That happens when
   * the requests reach an idle server a little apart (the engine starts a step with whatever has arrived, as
   * vLLM's does): `prefillMs` then spans a prefill of part of the batch plus a mixed step, not the batch's
   * prefill, and the runner re-sends the batch.
   */
  readonly prefilledTogether: boolean;
  /**
   * The time per decode step while every request of the batch is decoding (after the last first token and
   * before the first request's last token), leaving out each request's first `skipGaps` gaps in that window:
   * per request, the span from its first to its last token in the window divided by the tokens in between,
   * then the median over requests. A span over many steps stays right when a busy client reads several
   * tokens at once (its gaps are then 0 and then large; a median of single gaps would say 0). Undefined when
   * no request has two distinct arrival times in the window (outputs too short, or every token read at once).
   */
  readonly decodeStepMs?: number;
  /** How many token gaps the decode figure spans, over all requests. */
  readonly decodeGaps: number;
  /**
   * Why there is no `decodeStepMs`, when there is none: the batch never decoded together past `skipGaps`, or
   * every request's tokens in that window arrived at one instant (a busy client read them at once).
   */
  readonly decodeUnmeasured?: 'outputs-too-short' | 'tokens-read-together';
}

export function summarizeBatchTimings(timings: readonly CompletionTiming[], skipGaps = DEFAULT_SKIP_GAPS): BatchTimingSummary {
  if (timings.length === 0) throw new RangeError('summarizeBatchTimings needs at least one request timing');
  const sentMs = Math.min(...timings.map((t) => t.sentAtMs));
  const allDecodingFromMs = Math.max(...timings.map((t) => t.chunkTimesMs[0]));
  const firstDoneMs = Math.min(...timings.map((t) => t.chunkTimesMs[t.chunkTimesMs.length - 1]));
  const stepsMs: number[] = [];
  let decodeGaps = 0;
  let coalesced = 0;
  for (const t of timings) {
    const tokensPerChunk = Math.max(1, t.completionTokens / t.chunkTimesMs.length);
    const inWindow = t.chunkTimesMs.filter((at) => at >= allDecodingFromMs && at <= firstDoneMs).slice(skipGaps);
    if (inWindow.length < 2) continue;
    const spanMs = inWindow[inWindow.length - 1] - inWindow[0];
    if (!(spanMs > 0)) {
      coalesced++;
      continue;
    }
    const gaps = (inWindow.length - 1) * tokensPerChunk;
    decodeGaps += gaps;
    stepsMs.push(spanMs / gaps);
  }
  stepsMs.sort((a, b) => a - b);
  const decodeStepMs = stepsMs.length > 0 ? percentileOfSorted(stepsMs, 50) : undefined;

  // Prefilled in one step, every request's second token comes a decode step after the last first token; a
  // request that was already decoding got its second token in the step that prefilled the latecomers, so at
  // about the same instant as their first. Half a step tells the two apart despite the client's jitter.
  const secondTokenGapsMs = timings.filter((t) => t.chunkTimesMs.length >= 2).map((t) => t.chunkTimesMs[1] - t.chunkTimesMs[0]);
  const halfStepMs = 0.5 * (decodeStepMs ?? median(secondTokenGapsMs) ?? 0);
  const prefilledTogether = timings.every((t) => t.chunkTimesMs.length < 2 || t.chunkTimesMs[1] >= allDecodingFromMs + halfStepMs);

  const summary = { prefillMs: allDecodingFromMs - sentMs, prefilledTogether, decodeGaps };
  if (decodeStepMs !== undefined) return { ...summary, decodeStepMs };
  return { ...summary, decodeUnmeasured: coalesced > 0 ? 'tokens-read-together' : 'outputs-too-short' };
}

function median(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : percentileOfSorted([...values].sort((a, b) => a - b), 50);
}
