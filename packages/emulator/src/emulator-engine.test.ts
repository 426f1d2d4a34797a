import fc from 'fast-check';
import { createConstantPerformanceModel, generateRequests, simulate, type RequestSet, type SchedulerConfigInput } from '@llm-sim/simulator';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { EmulatorEngine } from './emulator-engine.ts';

interface Replay {
  firstToken: number[];
  finish: number[];
  preemptions: number[];
  tokenTimes: number[][];
}

/** Feeds a request set to an engine on a manual clock, each request added at its arrival time. */
function replay(set: RequestSet, engine: EmulatorEngine, clock: ManualClock): Replay {
  const n = set.arrivalSeconds.length;
  const out: Replay = {
    firstToken: new Array(n).fill(NaN),
    finish: new Array(n).fill(NaN),
    preemptions: new Array(n).fill(0),
    tokenTimes: Array.from({ length: n }, () => []),
  };
  for (let i = 0; i < n; i++) {
    clock.setTimer(set.arrivalSeconds[i], () => {
      engine.add({
        inputTokens: set.inputTokens[i],
        outputTokens: set.outputTokens[i],
        onToken: (index, time) => {
          expect(index).toBe(out.tokenTimes[i].length);
          out.tokenTimes[i].push(time);
        },
        onFinish: (r) => {
          out.firstToken[i] = r.firstTokenSeconds;
          out.finish[i] = r.finishSeconds;
          out.preemptions[i] = r.preemptions;
        },
      });
    });
  }
  clock.runAll(1_000_000);
  return out;
}

function simulateSet(set: RequestSet, model: ReturnType<typeof createConstantPerformanceModel>, kvCacheBlocks: number, scheduler: SchedulerConfigInput) {
  return simulate({ performanceModel: model, requests: set, kvCacheBlocksPerReplica: kvCacheBlocks, scheduler });
}

describe('EmulatorEngine on a manual clock', () => {
  it('gives every token the time the simulator gives it, preemptions included', () => {
    const scenario = fc.record({
      blockSize: fc.constantFrom(1, 4, 16),
      maxNumSeqs: fc.integer({ min: 1, max: 8 }),
      extraBudget: fc.integer({ min: 0, max: 300 }),
      extraBlocks: fc.integer({ min: 0, max: 40 }),
      enableChunkedPrefill: fc.boolean(),
      requests: fc.array(
        fc.record({
          gap: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
          input: fc.integer({ min: 1, max: 120 }),
          output: fc.integer({ min: 1, max: 60 }),
        }),
        { minLength: 1, maxLength: 25 },
      ),
      perCached: fc.double({ min: 0, max: 1e-5, noNaN: true }),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        let t = 0;
        const set: RequestSet = {
          arrivalSeconds: Float64Array.from(s.requests, (r) => (t += r.gap)),
          inputTokens: Int32Array.from(s.requests, (r) => r.input),
          outputTokens: Int32Array.from(s.requests, (r) => r.output),
        };
        const longest = Math.max(...s.requests.map((r) => r.input + r.output));
        const kvCacheBlocks = Math.ceil(longest / s.blockSize) + s.extraBlocks;
        const scheduler = {
          blockSize: s.blockSize,
          maxNumSeqs: s.maxNumSeqs,
          maxNumBatchedTokens: s.enableChunkedPrefill ? s.maxNumSeqs + s.extraBudget : Math.max(longest, s.maxNumSeqs) + s.extraBudget,
          enableChunkedPrefill: s.enableChunkedPrefill,
        };
        const model = createConstantPerformanceModel({
          stepOverheadSeconds: 1e-3,
          prefillSecondsPerToken: 1e-4,
          decodeSecondsPerStep: 5e-3,
          decodeSecondsPerCachedToken: s.perCached,
        });
        const sim = simulateSet(set, model, kvCacheBlocks, scheduler);
        const clock = new ManualClock();
        const got = replay(set, new EmulatorEngine({ performanceModel: model, kvCacheBlocks, scheduler, clock }), clock);
        expect(got.firstToken).toEqual(Array.from(sim.requests.firstTokenSeconds));
        expect(got.finish).toEqual(Array.from(sim.requests.finishSeconds));
        expect(got.preemptions).toEqual(Array.from(sim.requests.preemptions));
        got.tokenTimes.forEach((times, i) => expect(times).toHaveLength(set.outputTokens[i]));
      }),
      { numRuns: 150 },
    );
  });

  it('matches the simulator on a Poisson workload of 200 requests at vLLM default scheduler settings', () => {
    const set = generateRequests(
      {
        numRequests: 200,
        arrival: { kind: 'poisson', rate: 20 },
        inputLength: { kind: 'uniform', min: 100, max: 3000 },
        outputLength: { kind: 'uniform', min: 10, max: 300 },
      },
      7,
    );
    const model = createConstantPerformanceModel({ prefillSecondsPerToken: 5e-5, decodeSecondsPerStep: 0.01, decodeSecondsPerSequence: 1e-4, decodeSecondsPerCachedToken: 1e-8 });
    // 4000 blocks of 16 tokens hold ~64k tokens: enough pressure to preempt at this rate.
    const sim = simulateSet(set, model, 4000, {});
    const clock = new ManualClock();
    const got = replay(set, new EmulatorEngine({ performanceModel: model, kvCacheBlocks: 4000, clock }), clock);
    expect(sim.preemptions).toBeGreaterThan(0);
    expect(got.finish).toEqual(Array.from(sim.requests.finishSeconds));
    expect(got.firstToken).toEqual(Array.from(sim.requests.firstTokenSeconds));
    expect(got.preemptions).toEqual(Array.from(sim.requests.preemptions));
  });

  it('frees an aborted request\'s KV blocks and lets the others go on', () => {
    const clock = new ManualClock();
    const model = createConstantPerformanceModel({ prefillSecondsPerToken: 0, decodeSecondsPerStep: 0.02, stepOverheadSeconds: 0.02 });
    const engine = new EmulatorEngine({ performanceModel: model, kvCacheBlocks: 100, clock });
    const tokens: number[] = [];
    let finished = false;
    const a = engine.add({ inputTokens: 160, outputTokens: 50 });
    engine.add({ inputTokens: 32, outputTokens: 5, onToken: (i) => tokens.push(i), onFinish: () => (finished = true) });
    clock.advanceTo(0.1);
    // 160 + 32 prompt tokens, plus decoded ones: 10 + 2 blocks and growing.
    expect(engine.runningRequests).toBe(2);
    expect(engine.usedKvBlocks).toBeGreaterThanOrEqual(12);
    expect(engine.abort(a)).toBe(true);
    expect(engine.abort(a)).toBe(false);
    expect(engine.runningRequests).toBe(1);
    expect(engine.usedKvBlocks).toBeLessThanOrEqual(3);
    clock.runAll(1000);
    expect(tokens).toEqual([0, 1, 2, 3, 4]);
    expect(finished).toBe(true);
    expect(engine.usedKvBlocks).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects a request that could never run, naming the limit', () => {
    const clock = new ManualClock();
    const model = createConstantPerformanceModel({ prefillSecondsPerToken: 1e-4, decodeSecondsPerStep: 0.01 });
    const engine = new EmulatorEngine({ performanceModel: model, kvCacheBlocks: 10, scheduler: { maxModelLen: 150 }, clock });
    expect(engine.rejectionReason(100, 51)).toBe('exceeds_max_model_len');
    expect(() => engine.add({ inputTokens: 100, outputTokens: 51 })).toThrow(/max_model_len 150/);
    const small = new EmulatorEngine({ performanceModel: model, kvCacheBlocks: 10, clock });
    // 10 blocks of 16 hold 160 tokens: 150 + 11 - 1 fits, 150 + 12 - 1 does not.
    expect(small.rejectionReason(150, 11)).toBeUndefined();
    expect(small.rejectionReason(150, 12)).toBe('exceeds_kv_cache_capacity');
  });

  it('never lets a request join a step that started before it arrived, when timers fire late (event-loop lag)', () => {
    // Every timer fires 30 ms late, as on a busy machine; steps chain on their ideal ends, so the step after a
    // late timer starts in the past. Requests arriving in that gap must wait for a step that starts after them.
    class LaggingClock extends ManualClock {
      override setTimer(delaySeconds: number, callback: () => void) {
        return super.setTimer(delaySeconds + 0.03, callback);
      }
    }
    const clock = new LaggingClock();
    const model = createConstantPerformanceModel({ prefillSecondsPerToken: 1e-4, decodeSecondsPerStep: 0.01 });
    const engine = new EmulatorEngine({ performanceModel: model, kvCacheBlocks: 1000, clock });
    const results: { arrival: number; scheduled: number; firstToken: number }[] = [];
    const send = (inputTokens: number) =>
      engine.add({
        inputTokens, outputTokens: 3,
        onFinish: (r) => results.push({ arrival: r.arrivalSeconds, scheduled: r.firstScheduledSeconds, firstToken: r.firstTokenSeconds }),
      });
    send(100);
    // The first prefill (10 ms) ideally ends at 0.04 (its start timer was late too); its end timer fires at 0.07.
    // Sequential one-token requests arriving in that window once got a TTFT below one step.
    for (const at of [0.045, 0.05, 0.06, 0.065]) clock.setTimer(at - 0.03, () => send(10));
    clock.runAll(10_000);
    expect(results).toHaveLength(5);
    for (const r of results) {
      expect(r.scheduled).toBeGreaterThanOrEqual(r.arrival);
      // A prompt of 10 tokens prefills in at least 1 ms.
      expect(r.firstToken - r.arrival).toBeGreaterThanOrEqual(0.001 - 1e-12);
    }
  });
});
