import { summarizeBatch, type PerformanceModel, type ScheduledSequence } from '../src/performance-model.ts';
import type { RequestSet } from '../src/workload.ts';

export interface ReferenceOptions {
  blockSize: number;
  kvCacheBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  enableChunkedPrefill: boolean;
}

/**
 * vLLM V1's scheduler written the plain way: every running request visited every step, lists
 * spliced, blocks counted per request. Slow, obviously faithful; the fast simulator must agree
 * with it exactly.
 */
export function referenceSimulate(set: RequestSet, o: ReferenceOptions, model: PerformanceModel) {
  const n = set.arrivalSeconds.length;
  const reqs = Array.from({ length: n }, (_, id) => ({
    id,
    input: set.inputTokens[id],
    output: set.outputTokens[id],
    computed: 0,
    generated: 0,
    blocks: 0,
    prefilling: false,
    firstToken: NaN,
    finish: NaN,
    preemptions: 0,
  }));
  type Req = (typeof reqs)[number];
  const ceil = (a: number) => Math.ceil(a / o.blockSize);
  let free = o.kvCacheBlocks;
  const running: Req[] = [];
  let waiting: Req[] = [];
  let time = 0;
  let next = 0;
  let done = 0;
  while (done < n) {
    if (running.length === 0 && waiting.length === 0) time = Math.max(time, set.arrivalSeconds[next]);
    while (next < n && set.arrivalSeconds[next] <= time) waiting.push(reqs[next++]);
    let budget = o.maxNumBatchedTokens;
    let preempted = false;
    const scheduled: [Req, number][] = [];
    for (let i = 0; i < running.length && budget > 0; i++) {
      const r = running[i];
      const tokens = Math.min(r.input + r.generated - r.computed, budget);
      const need = ceil(r.computed + tokens) - r.blocks;
      let self = false;
      while (need > free) {
        const victim = running.pop()!;
        free += victim.blocks;
        victim.blocks = 0;
        victim.computed = 0;
        victim.preemptions++;
        waiting.unshift(victim);
        preempted = true;
        if (victim === r) {
          self = true;
          break;
        }
      }
      if (self) break;
      free -= need;
      r.blocks += need;
      budget -= tokens;
      scheduled.push([r, tokens]);
    }
    if (!preempted) {
      const skipped: Req[] = [];
      while (waiting.length > 0 && budget > 0 && running.length < o.maxNumSeqs) {
        const r = waiting[0];
        const target = r.input + r.generated;
        if (!o.enableChunkedPrefill && target > budget) {
          skipped.push(waiting.shift()!);
          continue;
        }
        const tokens = Math.min(target, budget);
        if (ceil(tokens) > free) break;
        waiting.shift();
        free -= ceil(tokens);
        r.blocks = ceil(tokens);
        r.prefilling = true;
        running.push(r);
        budget -= tokens;
        scheduled.push([r, tokens]);
      }
      waiting = [...skipped, ...waiting];
    }
    if (scheduled.length === 0) {
      if (preempted) continue;
      throw new Error('reference scheduler stuck');
    }
    const sequences: ScheduledSequence[] = scheduled.map(([r, tokens]) => ({
      newTokens: tokens,
      cachedTokens: r.computed,
      isPrefill: r.prefilling,
    }));
    time += model.stepSeconds(summarizeBatch(sequences));
    for (const [r, tokens] of scheduled) {
      r.computed += tokens;
      if (r.computed < r.input + r.generated) continue;
      r.prefilling = false;
      r.generated++;
      if (r.generated === 1) r.firstToken = time;
      if (r.generated === r.output) {
        r.finish = time;
        free += r.blocks;
        r.blocks = 0;
        running.splice(running.indexOf(r), 1);
        done++;
      }
    }
  }
  return reqs;
}

