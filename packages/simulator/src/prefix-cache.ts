import { SimulatorError } from './errors.ts';

/**
 * Which prompt blocks of each request are identical to another request's, as vLLM V1's block hashes
 * say (`vllm/v1/core/kv_cache_utils.py`, `hash_block_tokens`: a full block's hash covers its tokens
 * and its parent's hash, so two requests share block j exactly when their first (j + 1) x blockSize
 * tokens agree). Keys are small integers, dense from 0; `keys[offsets[i] .. offsets[i + 1])` are
 * request i's leading full blocks that may be shared, in order.
 */
export interface PrefixBlockKeys {
  readonly offsets: Int32Array;
  readonly keys: Int32Array;
  readonly keyCount: number;
}

/**
 * The token content of each request as segments, column by column: `ids[offsets[i] .. offsets[i + 1])`
 * with `tokens` alongside. Equal ids mean equal tokens (a shared system prompt, a conversation's
 * earlier turns, a Mooncake trace's `hash_ids`); id -1 marks tokens no other request has. Segments
 * may run past the prompt into the output (a conversation's next turn holds this turn's answer):
 * those blocks are cached when the request finishes.
 */
export interface PromptSegments {
  readonly offsets: Int32Array;
  readonly ids: Int32Array;
  readonly tokens: Int32Array;
}

/**
 * Interns every request's full-block prefixes into keys: equal keys exactly when the blocks' whole
 * prefixes are equal. A block with any token of a -1 segment ends the request's keys.
 */
export function buildPrefixBlockKeys(segments: PromptSegments, count: number, blockSize: number): PrefixBlockKeys {
  if (segments.offsets.length !== count + 1) {
    throw new SimulatorError('INVALID_WORKLOAD', `prefix segments: offsets must have ${count + 1} entries (one per request plus one), got ${segments.offsets.length}`);
  }
  // A prefix is a path of (segment id, length) steps from the empty prefix (node 0). A block ending
  // at offset o of segment `id` after prefix p holds p and the first o tokens of `id`, whatever the
  // segment's full length: its name is (p, id) and o. The next segment starts after (p, id, length).
  const segmentAfter: Map<number, number>[] = [new Map()];
  const prefixAfter = new Map<number, number>();
  const blockLists = new Map<number, number[]>();
  let keyCount = 0;
  const offsets = new Int32Array(count + 1);
  let keys = new Int32Array(1024);
  let length = 0;
  let segmentCount = 0;
  const WIDE = 2 ** 26;
  for (let i = 0; i < count; i++) {
    let prefix = 0;
    let start = 0;
    let nextBlockEnd = blockSize;
    for (let s = segments.offsets[i]; s < segments.offsets[i + 1]; s++) {
      const id = segments.ids[s];
      const tokens = segments.tokens[s];
      if (id < 0 || tokens <= 0 || tokens >= WIDE) break;
      let segment = segmentAfter[prefix].get(id);
      if (segment === undefined) {
        segment = segmentCount++;
        segmentAfter[prefix].set(id, segment);
      }
      const end = start + tokens;
      // The blocks ending in this segment sit at offsets first, first + blockSize, ...: one list per (segment, first).
      const first = nextBlockEnd - start;
      const listName = segment * (blockSize + 1) + first;
      let list = blockLists.get(listName);
      if (list === undefined) {
        list = [];
        blockLists.set(listName, list);
      }
      for (let k = 0; nextBlockEnd <= end; nextBlockEnd += blockSize, k++) {
        if (k === list.length) list.push(keyCount++);
        if (length === keys.length) {
          const grown = new Int32Array(keys.length * 2);
          grown.set(keys);
          keys = grown;
        }
        keys[length++] = list[k];
      }
      const after = segment * WIDE + tokens;
      let next = prefixAfter.get(after);
      if (next === undefined) {
        next = segmentAfter.length;
        prefixAfter.set(after, next);
        segmentAfter.push(new Map());
      }
      prefix = next;
      start = end;
    }
    offsets[i + 1] = length;
  }
  return { offsets, keys: keys.slice(0, length), keyCount };
}

/**
 * One replica's KV blocks under vLLM V1's automatic prefix caching (v0.11
 * `vllm/v1/core/block_pool.py`, `kv_cache_manager.py`): full prompt blocks are cached under their
 * key with a reference count; a block whose count drops to 0 stays cached but joins the free queue,
 * and allocation takes free blocks from the queue's head, evicting the cached ones it takes (least
 * recently freed first). A request frees its blocks last-first, so its tail is evicted before its
 * prefix. Blocks never cached are kept as runs, so that a step allocating decode blocks costs O(1).
 * The replica keeps the count of free blocks; this class keeps which ones they are.
 */
export class PrefixCache {
  private readonly keys: PrefixBlockKeys;
  private readonly refCount: Int32Array;
  /** 1 while a block with this key is cached (held, or free and not yet evicted). */
  private readonly cached: Uint8Array;
  /** The stamp of the key's entry in the free queue; 0 when the block is not in the queue. */
  private readonly freeStamp: Int32Array;
  private stamp = 0;
  /** Free queue: a key (>= 0), or -n for a run of n blocks that hold nothing cached. */
  private queue: Int32Array;
  private stamps: Int32Array;
  private head = 0;
  private tail = 0;
  /** Per request: how many of its leading blocks it holds as cached (shared) blocks. */
  private readonly heldKeyed: Int32Array;
  /** Per request: 1 once a block it computed was already cached by another: the rest stays private. */
  private readonly frozen: Uint8Array;
  /** Per request: when it last joined the running list; finishes of one step free blocks in this order, as vLLM's do. */
  readonly admissionOrder: Float64Array;
  private admissions = 0;

  constructor(keys: PrefixBlockKeys, requestCount: number, totalBlocks: number) {
    this.keys = keys;
    this.refCount = new Int32Array(keys.keyCount);
    this.cached = new Uint8Array(keys.keyCount);
    this.freeStamp = new Int32Array(keys.keyCount);
    this.queue = new Int32Array(1024);
    this.stamps = new Int32Array(1024);
    this.heldKeyed = new Int32Array(requestCount);
    this.frozen = new Uint8Array(requestCount);
    this.admissionOrder = new Float64Array(requestCount);
    this.pushRun(totalBlocks);
  }

  /** Request `id` joins the running list (admitted, or admitted again after a preemption). */
  noteAdmitted(id: number): void {
    this.admissionOrder[id] = ++this.admissions;
  }

  /**
   * The leading blocks of request `id` found cached, at most `maxBlocks` (vLLM recomputes at least
   * the prompt's last token); `lastFromFree` then says how many of them sit in the free queue (taking
   * them uses free blocks).
   */
  lookup(id: number, maxBlocks: number): number {
    const start = this.keys.offsets[id];
    const end = Math.min(this.keys.offsets[id + 1], start + maxBlocks);
    let fromFree = 0;
    let j = start;
    for (; j < end; j++) {
      const key = this.keys.keys[j];
      if (this.cached[key] === 0) break;
      if (this.refCount[key] === 0) fromFree++;
    }
    this.lastFromFree = fromFree;
    return j - start;
  }

  /** Of the blocks the last `lookup` found, how many sit in the free queue. */
  lastFromFree = 0;

  /** Takes a reference on the first `hits` blocks of request `id` (found by `lookup`). */
  acquire(id: number, hits: number): void {
    const start = this.keys.offsets[id];
    for (let j = start; j < start + hits; j++) {
      const key = this.keys.keys[j];
      if (this.refCount[key]++ === 0) this.freeStamp[key] = 0;
    }
    this.heldKeyed[id] = hits;
  }

  /** Takes `n` blocks from the head of the free queue, evicting the cached ones among them. */
  allocate(n: number): void {
    let left = n;
    while (left > 0) {
      if (this.head === this.tail) throw new SimulatorError('INTERNAL', `prefix cache: free queue empty with ${left} blocks to allocate`);
      const entry = this.queue[this.head];
      if (entry < 0) {
        const run = -entry;
        if (run > left) {
          this.queue[this.head] = -(run - left);
          return;
        }
        left -= run;
        this.head++;
        continue;
      }
      const stamp = this.stamps[this.head++];
      if (this.freeStamp[entry] !== stamp) continue; // touched since it was freed: no longer free
      this.freeStamp[entry] = 0;
      this.cached[entry] = 0;
      left--;
    }
  }

  /**
   * Caches the blocks of request `id` that are full once it holds `tokens` tokens of KV, as vLLM
   * caches a request's full blocks when it allocates their slots. A block cached meanwhile by
   * another request (both computed the same prefix at once) stays private, and so do the rest.
   */
  register(id: number, tokens: number, blockSize: number): void {
    if (this.frozen[id] === 1) return;
    const start = this.keys.offsets[id];
    const full = Math.min(Math.floor(tokens / blockSize), this.keys.offsets[id + 1] - start);
    for (let j = this.heldKeyed[id]; j < full; j++) {
      const key = this.keys.keys[start + j];
      if (this.cached[key] === 1) {
        this.frozen[id] = 1;
        return;
      }
      this.cached[key] = 1;
      this.refCount[key] = 1;
      this.heldKeyed[id] = j + 1;
    }
  }

  /**
   * Drops the `blocks` blocks request `id` holds: its private tail first, then its cached blocks last
   * to first. Returns how many became free: a cached block another request still holds does not.
   */
  release(id: number, blocks: number): number {
    const keyed = this.heldKeyed[id];
    let freed = blocks - keyed;
    if (freed > 0) this.pushRun(freed);
    const start = this.keys.offsets[id];
    for (let j = keyed - 1; j >= 0; j--) {
      const key = this.keys.keys[start + j];
      if (--this.refCount[key] === 0) {
        const stamp = ++this.stamp;
        this.freeStamp[key] = stamp;
        this.push(key, stamp);
        freed++;
      }
    }
    this.heldKeyed[id] = 0;
    this.frozen[id] = 0;
    return freed;
  }

  private pushRun(n: number): void {
    if (n <= 0) return;
    if (this.tail > this.head && this.queue[this.tail - 1] < 0) this.queue[this.tail - 1] -= n;
    else this.push(-n, 0);
  }

  private push(entry: number, stamp: number): void {
    if (this.tail === this.queue.length) {
      const live = this.tail - this.head;
      const size = live * 2 > this.queue.length ? this.queue.length * 2 : this.queue.length;
      const q = new Int32Array(size);
      const s = new Int32Array(size);
      q.set(this.queue.subarray(this.head, this.tail));
      s.set(this.stamps.subarray(this.head, this.tail));
      this.queue = q;
      this.stamps = s;
      this.head = 0;
      this.tail = live;
    }
    this.queue[this.tail] = entry;
    this.stamps[this.tail] = stamp;
    this.tail++;
  }
}
