import { describe, expect, it } from 'vitest';
import { summarizeBatch } from './performance-model.ts';

describe('summarizeBatch', () => {
  it('counts causal query/key pairs of a prefill chunk on top of its cached prefix', () => {
    const batch = summarizeBatch([
      { newTokens: 4, cachedTokens: 10, isPrefill: true },
      { newTokens: 1, cachedTokens: 99, isPrefill: false },
      { newTokens: 1, cachedTokens: 1, isPrefill: false },
    ]);
    // 4 new tokens each see the 10 cached ones, and 1+2+3+4 among themselves.
    expect(batch).toEqual({
      prefillSequences: 1,
      prefillTokens: 4,
      prefillCachedTokens: 10,
      prefillAttentionPairs: 40 + 10,
      decodeSequences: 2,
      decodeCachedTokens: 100,
    });
  });
});
