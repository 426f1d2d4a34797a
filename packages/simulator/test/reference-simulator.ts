import { summarizeBatch, type PerformanceModel, type ScheduledSequence } from '../src/performance-model.ts';
import type { PrefixBlockKeys } from '../src/prefix-cache.ts';
import type { RequestSet } from '../src/workload.ts';

export interface ReferenceOptions {
  blockSize: number;
  kvCacheBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  enableChunkedPrefill: boolean;
  /** Prefix caching over these block keys (vLLM V1's block pool, written the plain way); off when absent. */
  prefixKeys?: PrefixBlockKeys;
}

/** One KV block of the plain block pool: the key it is cached under (-1: none) and its references. */
interface Block {
  key: number;
  ref: number;
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
    held: [] as Block[],
    frozen: false,
    prefilling: false,
    firstToken: NaN,
    finish: NaN,
    preemptions: 0,
  }));
  type Req = (typeof reqs)[number];
  const ceil = (a: number) => Math.ceil(a / o.blockSize);
  let free = o.kvCacheBlocks;
  // The block pool as vLLM keeps it: a free queue (head taken first, freed blocks appended) and a map of cached blocks.
  let freeQueue: Block[] = Array.from({ length: o.kvCacheBlocks }, () => ({ key: -1, ref: 0 }));
  const cachedBlocks = new Map<number, Block>();
  const keysOf = (r: Req) => (o.prefixKeys ? Array.from(o.prefixKeys.keys.subarray(o.prefixKeys.offsets[r.id], o.prefixKeys.offsets[r.id + 1])) : []);
  const take = (r: Req, count: number) => {
    for (let k = 0; k < count; k++) {
      const b = freeQueue.shift()!;
      if (b.key >= 0) cachedBlocks.delete(b.key);
      b.key = -1;
      b.ref = 1;
      r.held.push(b);
    }
  };
  const cacheFull = (r: Req, tokens: number) => {
    if (!o.prefixKeys || r.frozen) return;
    const keys = keysOf(r);
    const full = Math.min(Math.floor(tokens / o.blockSize), keys.length);
    for (let j = 0; j < full; j++) {
      const b = r.held[j];
      if (b.key === keys[j]) continue;
      if (cachedBlocks.has(keys[j])) {
        r.frozen = true;
        return;
      }
      b.key = keys[j];
      cachedBlocks.set(keys[j], b);
    }
  };
  /** Drops a request's blocks; returns how many became free (a shared block another request holds does not). */
  const release = (r: Req): number => {
    let freed = 0;
    for (const b of [...r.held].reverse()) {
      if (--b.ref === 0) {
        freeQueue.push(b);
        freed++;
      }
    }
    r.held = [];
    r.frozen = false;
    return freed;
  };
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
        free += release(victim);
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
      take(r, need);
      if (r.prefilling) cacheFull(r, r.computed + tokens);
      budget -= tokens;
      scheduled.push([r, tokens]);
    }
    if (!preempted) {
      const skipped: Req[] = [];
      while (waiting.length > 0 && budget > 0 && running.length < o.maxNumSeqs) {
        const r = waiting[0];
        const target = r.input + r.generated;
        const keys = keysOf(r);
        const hits: Block[] = [];
        while (hits.length < keys.length && (hits.length + 1) * o.blockSize <= target - 1 && cachedBlocks.has(keys[hits.length])) {
          hits.push(cachedBlocks.get(keys[hits.length])!);
        }
        const cached = hits.length * o.blockSize;
        if (!o.enableChunkedPrefill && target - cached > budget) {
          skipped.push(waiting.shift()!);
          continue;
        }
        const tokens = Math.min(target - cached, budget);
        const fromFree = hits.filter((b) => b.ref === 0).length;
        if (ceil(tokens) + fromFree > free) break;
        waiting.shift();
        for (const b of hits) {
          if (b.ref++ === 0) freeQueue = freeQueue.filter((x) => x !== b);
          r.held.push(b);
        }
        free -= ceil(tokens) + fromFree;
        take(r, ceil(tokens));
        r.computed = cached;
        cacheFull(r, cached + tokens);
        r.blocks = hits.length + ceil(tokens);
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
        cacheFull(r, r.computed);
        free += release(r);
        r.blocks = 0;
        running.splice(running.indexOf(r), 1);
        done++;
      }
    }
  }
  return reqs;
}

