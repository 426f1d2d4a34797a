import { describe, expect, it } from 'vitest';
import type { CompletionTiming } from './completion-stream.ts';
import { prefillFromPilot } from './piloted-prefill.ts';

/** A request of the batch: sent at `sentAtMs`, its one token at `firstMs`. */
function oneToken(sentAtMs: number, firstMs: number): CompletionTiming {
  return {
    sentAtMs, chunkTimesMs: [firstMs], endAtMs: firstMs, ttftMs: firstMs - sentAtMs, e2eMs: firstMs - sentAtMs, itlMs: [],
    completionTokens: 1, completionTokensFrom: 'usage',
  };
}

describe('prefillFromPilot', () => {
  // The pilot decodes alone in 10 ms steps: tokens at 100, 110, 120, 130.
  const solo = [100, 110, 120, 130];

  it('times the step that took the batch, not the wait for the step running when it was sent', () => {
    // Sent at 133 during the step 130-140; scheduled in the next step (140-215): a 75 ms prefill.
    const pilot = [...solo, 140, 215, 225];
    const batch = [oneToken(133, 215), oneToken(133.5, 216)];
    expect(prefillFromPilot(pilot, batch, { promptTokens: 256 })).toEqual({ prefilledTogether: true, prefillMs: 75 });
  });

  it('takes the earliest reading of each mark: a busy client reads tokens late, never early', () => {
    // The marker 140 was read 7 ms late; the batch's two first tokens 3 and 4 ms late, the pilot's of that step
    // on time. The pilot's steady 10 ms cadence and the step's three readings give the true 140 and 215.
    const pilot = [...solo, 147, 215, 225];
    const batch = [oneToken(133, 218), oneToken(133.5, 219)];
    expect(prefillFromPilot(pilot, batch, { promptTokens: 256 })).toEqual({ prefilledTogether: true, prefillMs: 75 });
  });

  it('skips the short pilot-only steps of a batch that arrived late, and keeps the long chunks of a batch over the budget', () => {
    // Sent at 131; the steps 140-150 and 150-160 decode the pilot alone (the batch was still in transit); the
    // batch's prompts then take a 300 ms chunk (160-460) and a 120 ms last chunk (460-580).
    const pilot = [...solo, 140, 150, 160, 460, 580, 590];
    expect(prefillFromPilot(pilot, [oneToken(131, 580), oneToken(131, 581)], { promptTokens: 2 * 8192 })).toEqual({ prefilledTogether: true, prefillMs: 420 });
  });

  it('tells a batch whose first tokens came from two steps', () => {
    const pilot = [...solo, 140, 200, 260];
    const batch = [oneToken(133, 200), oneToken(133, 260)];
    expect(prefillFromPilot(pilot, batch, { promptTokens: 256 }).prefilledTogether).toBe(false);
    // Over the budget, the same tokens are chunks of the batch: timed as they ran.
    expect(prefillFromPilot(pilot, batch, { promptTokens: 4096, stepBudgetTokens: 2048 })).toEqual({ prefilledTogether: true, prefillMs: 120 });
  });

  it('cannot time anything without the pilot decoding before the send and during the batch', () => {
    expect(prefillFromPilot([100], [oneToken(133, 200)], { promptTokens: 16 })).toEqual({ prefilledTogether: false });
    // The pilot stopped at 140, long before the batch's first token.
    expect(prefillFromPilot([...solo, 140], [oneToken(133, 300)], { promptTokens: 16 }).prefillMs).toBeUndefined();
  });
});
