import { describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT_TOKEN_RANGE, promptTokenIds } from './prompt-token-ids.ts';

describe('promptTokenIds', () => {
  it('has exactly inputLen ids, all in the ordinary-vocabulary range', () => {
    for (const inputLen of [1, 2, 17, 2048]) {
      const ids = promptTokenIds(inputLen, 3, { seed: 42 });
      expect(ids).toHaveLength(inputLen);
      const { firstTokenId, tokenIdCount } = DEFAULT_PROMPT_TOKEN_RANGE;
      for (const id of ids) {
        expect(Number.isInteger(id)).toBe(true);
        expect(id).toBeGreaterThanOrEqual(firstTokenId);
        expect(id).toBeLessThan(firstTokenId + tokenIdCount);
      }
    }
  });

  it('gives every request of a run a different first 16-token block, so no prefix-cache block is shared', () => {
    const blocks = new Set<string>();
    for (let i = 0; i < 5000; i++) blocks.add(promptTokenIds(16, i, { seed: 1 }).slice(0, 16).join(','));
    expect(blocks.size).toBe(5000);
  });

  it('differs between seeds and repeats for the same seed', () => {
    expect(promptTokenIds(64, 0, { seed: 1 })).toEqual(promptTokenIds(64, 0, { seed: 1 }));
    expect(promptTokenIds(64, 0, { seed: 1 }).slice(0, 16)).not.toEqual(promptTokenIds(64, 0, { seed: 2 }).slice(0, 16));
  });

  it('keeps a custom vocabulary range', () => {
    const ids = promptTokenIds(100, 7, { seed: 9, firstTokenId: 10, tokenIdCount: 5 });
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...ids)).toBeLessThan(15);
  });
});
