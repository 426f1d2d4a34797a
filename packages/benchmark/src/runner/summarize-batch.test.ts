import { describe, expect, it } from 'vitest';
import type { CompletionTiming } from './completion-stream.ts';
import { summarizeBatch } from './summarize-batch.ts';

function timing(sentAtMs: number, chunkTimesMs: number[], completionTokens = chunkTimesMs.length): CompletionTiming {
  const itlMs = chunkTimesMs.slice(1).map((t, i) => t - chunkTimesMs[i]);
  const endAtMs = chunkTimesMs[chunkTimesMs.length - 1];
  return {
    sentAtMs, chunkTimesMs, endAtMs, ttftMs: chunkTimesMs[0] - sentAtMs, e2eMs: endAtMs - sentAtMs, itlMs,
    completionTokens, completionTokensFrom: 'usage',
  };
}

describe('summarizeBatch', () => {
  it('times the prefill from the first send to the last first token', () => {
    const s = summarizeBatch([timing(0, [30, 40, 50, 60]), timing(1, [45, 55, 65, 75])]);
    expect(s.prefillMs).toBe(45);
  });

  it('takes decode gaps only while all requests decode, after the first few', () => {
    // Request A decodes alone until B's first token at 100 (gaps of 2 ms), then both step every 20 ms until A
    // ends at 220; B then decodes alone (gaps of 2 ms) again.
    const solo = (from: number) => Array.from({ length: 10 }, (_, i) => from + 2 * i);
    const both = [100, 120, 140, 160, 180, 200, 220];
    const a = timing(0, [...solo(10), ...both]);
    const b = timing(0, [...both, ...solo(222)]);
    const s = summarizeBatch([a, b], 2);
    // A: gaps ending at 120..220 (6), skip 2 -> 4; B: gaps 100->120 .. 200->220 (6), skip 2 -> 4.
    expect(s.decodeGaps).toBe(8);
    expect(s.decodeStepMs).toBe(20);
    // A plain median over all gaps would be the solo 2 ms.
    const allGaps = [...a.itlMs, ...b.itlMs].sort((x, y) => x - y);
    expect(allGaps[Math.floor(allGaps.length / 2)]).not.toBe(20);
  });

  it('counts a chunk of several tokens per token', () => {
    // 8 tokens streamed 2 per chunk, a chunk every 20 ms: 10 ms per token.
    const s = summarizeBatch([timing(0, [30, 50, 70, 90], 8)], 0);
    expect(s.decodeStepMs).toBe(10);
  });

  it('has no decode step when the outputs are too short', () => {
    const s = summarizeBatch([timing(0, [30])]);
    expect(s.decodeStepMs).toBeUndefined();
    expect(s.decodeGaps).toBe(0);
    expect(s.prefillMs).toBe(30);
  });
});
