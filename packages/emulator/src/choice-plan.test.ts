import { createRandom } from '@llm-sim/simulator';
import { describe, expect, it } from 'vitest';
import { planChoice, streamedCharacters, tokensUntilStopString, type SamplingLimits } from './choice-plan.ts';

const limits = (overrides: Partial<SamplingLimits> = {}): SamplingLimits => ({
  maxTokens: 100,
  clientLimit: true,
  ignoreEos: false,
  minTokens: 0,
  stop: [],
  includeStopString: false,
  ...overrides,
});
const eos = (value: number) => ({ random: createRandom(0), distribution: { kind: 'fixed' as const, value } });

describe('planChoice', () => {
  it('finds where a stop string first appears in the filler text', () => {
    expect(tokensUntilStopString('tok')).toBe(1);
    expect(tokensUntilStopString('k t')).toBe(2);
    expect(tokensUntilStopString(' tok tok tok')).toBe(3);
    expect(tokensUntilStopString('token')).toBe(Infinity);
  });

  it('checks in vLLM\'s order: min_tokens, then EOS, then stop strings, then the length limit', () => {
    // EOS at 3 and a stop string at 2 tokens: the stop string ends it first.
    expect(planChoice(0, 10, limits({ clientLimit: false, stop: ['k t'] }), eos(3))).toMatchObject({ outputTokens: 2, finishReason: 'stop', stopReason: 'k t', text: ' to' });
    // Both at 2: EOS wins, as vLLM checks it first.
    expect(planChoice(0, 10, limits({ clientLimit: false, stop: ['k t'] }), eos(2))).toMatchObject({ outputTokens: 2, finishReason: 'stop', stopReason: null, text: ' tok' });
    // min_tokens 5 defers both: the stop string matches at the fifth token, its last occurrence cut.
    expect(planChoice(0, 10, limits({ clientLimit: false, minTokens: 5, stop: ['k t'] }), eos(8))).toMatchObject({
      outputTokens: 5,
      finishReason: 'stop',
      stopReason: 'k t',
      text: ' tok tok tok to',
    });
    // A client limit below everything else: length.
    expect(planChoice(0, 10, limits({ maxTokens: 1, stop: ['k t'] }), eos(3))).toMatchObject({ outputTokens: 1, finishReason: 'length', text: ' tok' });
    // ignore_eos without a client limit runs to the limit.
    expect(planChoice(0, 10, limits({ clientLimit: false, ignoreEos: true, maxTokens: 40 }), eos(3))).toMatchObject({ outputTokens: 40, finishReason: 'length' });
  });

  it('holds back one character less than the longest stop string while streaming, and sends the rest at the end', () => {
    const plan = planChoice(0, 10, limits({ maxTokens: 3, stop: ['xyz12'] }), eos(1));
    expect(plan.holdBackCharacters).toBe(4);
    expect([1, 2, 3].map((k) => streamedCharacters(plan, k))).toEqual([0, 4, 12]);
    const kept = planChoice(0, 10, limits({ maxTokens: 3, stop: ['xyz12'], includeStopString: true }), eos(1));
    expect(kept.holdBackCharacters).toBe(0);
  });
});
