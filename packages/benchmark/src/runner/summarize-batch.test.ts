import { describe, expect, it } from 'vitest';
import type { CompletionTiming } from './completion-stream.ts';
import { summarizeBatchTimings } from './summarize-batch.ts';

function timing(sentAtMs: number, chunkTimesMs: number[], completionTokens = chunkTimesMs.length): CompletionTiming {
  const itlMs = chunkTimesMs.slice(1).map((t, i) => t - chunkTimesMs[i]);
  const endAtMs = chunkTimesMs[chunkTimesMs.length - 1];
  return {
    sentAtMs, chunkTimesMs, endAtMs, ttftMs: chunkTimesMs[0] - sentAtMs, e2eMs: endAtMs - sentAtMs, itlMs,
    completionTokens, completionTokensFrom: 'usage',
  };
}

describe('summarizeBatchTimings', () => {
  it('times the prefill from the first send to the last first token', () => {
    const s = summarizeBatchTimings([timing(0, [45, 55, 65, 75]), timing(1, [45, 55, 65, 75])]);
    expect(s.prefillMs).toBe(45);
    expect(s.prefilledTogether).toBe(true);
  });

  it('tells a batch the server prefilled in two steps: one request was decoding before another had its first token', () => {
    // A arrived alone and was prefilled (first token at 30); B joined the next step (its first token at 45,
    // where A got its second).
    const split = summarizeBatchTimings([timing(0, [30, 45, 60, 75]), timing(1, [45, 60, 75, 90])]);
    expect(split.prefilledTogether).toBe(false);
    expect(split.prefillMs).toBe(45);
    // Tokens of one step read a little apart by a busy client are still one step.
    expect(summarizeBatchTimings([timing(0, [44, 60, 75]), timing(0, [46, 61, 76])]).prefilledTogether).toBe(true);
  });

  it('times decode steps over a span, so tokens a busy client read together do not read as 0 ms gaps', () => {
    // Steps every 10 ms from 100 to 200; the client read tokens in bursts: 100,100,100,130,130,130,160,...
    const burst = [100, 100, 100, 130, 130, 130, 160, 160, 160, 190, 200];
    const s = summarizeBatchTimings([timing(0, burst)], 0);
    expect(s.decodeStepMs).toBe(10);
    const gaps = burst.slice(1).map((t, i) => t - burst[i]).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBe(0);
  });

  it('says when the stream cannot tell a decode step', () => {
    const s = summarizeBatchTimings([timing(0, [50, 50, 50, 50])], 0);
    expect(s.decodeStepMs).toBeUndefined();
    expect(s.decodeUnmeasured).toBe('tokens-read-together');
    expect(summarizeBatchTimings([timing(0, [30])]).decodeUnmeasured).toBe('outputs-too-short');
  });

  it('takes decode gaps only while all requests decode, after the first few', () => {
    // Request A decodes alone until B's first token at 100 (gaps of 2 ms), then both step every 20 ms until A
    // ends at 220; B then decodes alone (gaps of 2 ms) again.
    const solo = (from: number) => Array.from({ length: 10 }, (_, i) => from + 2 * i);
    const both = [100, 120, 140, 160, 180, 200, 220];
    const a = timing(0, [...solo(10), ...both]);
    const b = timing(0, [...both, ...solo(222)]);
    const s = summarizeBatchTimings([a, b], 2);
    // A: gaps ending at 120..220 (6), skip 2 -> 4; B: gaps 100->120 .. 200->220 (6), skip 2 -> 4.
    expect(s.decodeGaps).toBe(8);
    expect(s.decodeStepMs).toBe(20);
    // A plain median over all gaps would be the solo 2 ms.
    const allGaps = [...a.itlMs, ...b.itlMs].sort((x, y) => x - y);
    expect(allGaps[Math.floor(allGaps.length / 2)]).not.toBe(20);
  });

  it('counts a chunk of several tokens per token', () => {
    // 8 tokens streamed 2 per chunk, a chunk every 20 ms: 10 ms per token.
    const s = summarizeBatchTimings([timing(0, [30, 50, 70, 90], 8)], 0);
    expect(s.decodeStepMs).toBe(10);
  });

  it('has no decode step when the outputs are too short', () => {
    const s = summarizeBatchTimings([timing(0, [30])]);
    expect(s.decodeStepMs).toBeUndefined();
    expect(s.decodeGaps).toBe(0);
    expect(s.prefillMs).toBe(30);
  });
});
