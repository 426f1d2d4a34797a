import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { PerformanceModel, StepBatch } from './performance-model.ts';
import { simulate } from './simulate.ts';
import { simulateDisaggregated } from './disaggregated-simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import { generateConversations, type ConversationWorkload } from './workload.ts';

const model = createConstantPerformanceModel({ stepOverheadSeconds: 0.005, prefillSecondsPerToken: 20e-6, decodeSecondsPerStep: 0.001, decodeSecondsPerSequence: 1e-4 });

function recording(inner: Required<PerformanceModel>): PerformanceModel & { batches: StepBatch[] } {
  const batches: StepBatch[] = [];
  return { batches, stepTime: (b) => inner.stepTime(b), stepSeconds: (b) => (batches.push({ ...b }), inner.stepSeconds(b)) };
}

const fixed = (value: number) => ({ kind: 'fixed', value }) as const;
const threeTurns: ConversationWorkload = { numConversations: 1, arrival: { kind: 'all-at-once' }, turns: fixed(3), inputLength: fixed(100), outputLength: fixed(20) };

describe('multi-turn conversations', () => {
  it("builds each turn's prompt from the history: 100, 100 + 20 + 100, 220 + 20 + 100 tokens, each turn following the one before", () => {
    const set = generateConversations(threeTurns, 0);
    expect(Array.from(set.inputTokens)).toEqual([100, 220, 340]);
    expect(Array.from(set.outputTokens)).toEqual([20, 20, 20]);
    expect(Array.from(set.previousTurn!)).toEqual([-1, 0, 1]);
    // The third turn's segments: question 1, answer 1, question 2, answer 2, question 3 and its own answer.
    const seg = set.promptSegments!;
    expect(Array.from(seg.tokens.subarray(seg.offsets[2], seg.offsets[3]))).toEqual([100, 20, 100, 20, 100, 20]);
    expect(Array.from(seg.ids.subarray(seg.offsets[2], seg.offsets[2] + 4))).toEqual(Array.from(seg.ids.subarray(seg.offsets[1], seg.offsets[2])));
  });

  it('each turn is sent when the answer before it is complete, and prefills only what the KV cache lacks of its history (hand-checked)', () => {
    const m = recording(model);
    const result = simulate({ performanceModel: m, requests: generateConversations(threeTurns, 0), kvCacheBlocksPerReplica: 1000 });
    const r = result.requests;
    // Sent at the instant the previous turn finished.
    expect(r.arrivalSeconds[1]).toBe(r.finishSeconds[0]);
    expect(r.arrivalSeconds[2]).toBe(r.finishSeconds[1]);
    // Turn 1 leaves 100 + 20 - 1 = 119 tokens of KV (the last answer token is never fed back): 7 full
    // blocks of 16 = 112 tokens cached, so turn 2 computes 220 - 112 = 108. Turn 2 leaves 239 tokens:
    // 14 blocks = 224, so turn 3 computes 340 - 224 = 116.
    const prefills = m.batches.filter((b) => b.prefillSequences === 1).map((b) => [b.prefillTokens, b.prefillCachedTokens]);
    expect(prefills).toEqual([
      [100, 0],
      [108, 112],
      [116, 224],
    ]);
    const second = m.batches.find((b) => b.prefillCachedTokens === 112)!;
    expect(r.ttftSeconds[1]).toBeCloseTo(model.stepSeconds(second), 12);
    expect(summarizeSimulation(result).prefix_cache_hit_rate).toBeCloseTo((112 + 224) / (100 + 220 + 340), 12);

    const off = recording(model);
    simulate({ performanceModel: off, requests: generateConversations(threeTurns, 0), kvCacheBlocksPerReplica: 1000, scheduler: { enablePrefixCaching: false } });
    expect(off.batches.filter((b) => b.prefillSequences === 1).map((b) => b.prefillTokens)).toEqual([100, 220, 340]);
  });

  it('a shared system prompt and a per-conversation prefix sit in front of every turn; the second conversation finds the system prompt cached', () => {
    const set = generateConversations({ ...threeTurns, numConversations: 2, turns: fixed(2), sharedPrefix: { tokens: 500, count: 1 }, conversationPrefix: fixed(64) }, 0);
    expect(Array.from(set.inputTokens)).toEqual([664, 784, 664, 784]);
    expect(Array.from(set.previousTurn!)).toEqual([-1, 0, -1, 2]);
    const m = recording(model);
    simulate({ performanceModel: m, requests: set, kvCacheBlocksPerReplica: 1000, maxConcurrency: 1 });
    // One conversation at a time: conversation 2's first turn finds the 500-token system prompt (31 full blocks, 496 tokens).
    expect(m.batches.filter((b) => b.prefillSequences === 1).map((b) => [b.prefillTokens, b.prefillCachedTokens])).toEqual([
      [664, 0],
      [784 - 672, 672],
      [664 - 496, 496],
      [784 - 672, 672],
    ]);
  });

  it('with --max-concurrency C, C conversations run to their end before new ones start, and at most C requests are outstanding', () => {
    const set = generateConversations({ ...threeTurns, numConversations: 5 }, 0);
    const result = simulate({ performanceModel: model, requests: set, kvCacheBlocksPerReplica: 1000, maxConcurrency: 2 });
    const r = result.requests;
    expect(result.completed).toBe(15);
    for (let i = 0; i < 15; i++) {
      if (set.previousTurn![i] >= 0) expect(r.arrivalSeconds[i]).toBe(r.finishSeconds[set.previousTurn![i]]);
    }
    // Conversation 3 (requests 6..8) starts when a conversation's last turn finishes, not before.
    expect([r.finishSeconds[2], r.finishSeconds[5]]).toContain(r.arrivalSeconds[6]);
    const events = Array.from(r.arrivalSeconds, (a, i) => [[a, 1], [r.finishSeconds[i], -1]]).flat().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let outstanding = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (outstanding += d));
    expect(peak).toBe(2);
  });

  it('runs in a disaggregated cluster: the prefill pool finds the history its instance cached', () => {
    const result = simulateDisaggregated({
      prefillPool: { performanceModel: model, kvCacheBlocks: 1000 },
      decodePool: { performanceModel: model, kvCacheBlocks: 1000 },
      kvTransfer: { bytesPerToken: 1e5, bandwidthBytesPerSecond: 50e9 },
      requests: generateConversations(threeTurns, 0),
    });
    expect(result.completed).toBe(3);
    expect(result.requests.arrivalSeconds[1]).toBe(result.requests.finishSeconds[0]);
    // The prefill instance caches prompts only (answers are decoded elsewhere): turn 2 finds turn 1's
    // 6 full blocks (96 tokens), turn 3 turn 2's 13 (208 tokens of its 220).
    expect(summarizeSimulation(result).prefix_cache_hit_rate).toBeCloseTo((96 + 208) / (100 + 220 + 340), 12);
  });

  it('refuses a turn that follows a later request, or two turns that follow the same one', () => {
    const base = generateConversations(threeTurns, 0);
    expect(() => simulate({ performanceModel: model, kvCacheBlocksPerReplica: 1000, requests: { ...base, previousTurn: Int32Array.from([-1, 2, 1]) } })).toThrow(
      /requests\[1\]\.previousTurn must be -1 or an earlier request's index, got 2/,
    );
    expect(() => simulate({ performanceModel: model, kvCacheBlocksPerReplica: 1000, requests: { ...base, previousTurn: Int32Array.from([-1, 0, 0]) } })).toThrow(
      /requests\[2\]\.previousTurn: request 0 is already followed by another turn/,
    );
  });
});
