/**
 * A binary min-heap of (key, tie, value) triples in typed arrays: no object per entry, so a million
 * pushes allocate nothing but the occasional doubling. Entries with equal keys pop in increasing
 * `tie` order, which callers use for deterministic ordering of simultaneous events.
 */
export class MinHeap {
  private keys: Float64Array;
  private ties: Float64Array;
  private values: Int32Array;
  private count = 0;

  constructor(initialCapacity = 64) {
    this.keys = new Float64Array(initialCapacity);
    this.ties = new Float64Array(initialCapacity);
    this.values = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  push(key: number, tie: number, value: number): void {
    if (this.count === this.keys.length) this.grow();
    let i = this.count++;
    const keys = this.keys;
    const ties = this.ties;
    const values = this.values;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent];
      if (pk < key || (pk === key && ties[parent] <= tie)) break;
      keys[i] = pk;
      ties[i] = ties[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    ties[i] = tie;
    values[i] = value;
  }

  /** Key of the smallest entry; Infinity when empty. */
  peekKey(): number {
    return this.count > 0 ? this.keys[0] : Infinity;
  }

  /** Tie of the smallest entry; call only when size > 0. */
  peekTie(): number {
    return this.ties[0];
  }

  peekValue(): number {
    return this.values[0];
  }

  /** Removes the smallest entry and returns its value; call only when size > 0. */
  pop(): number {
    const keys = this.keys;
    const ties = this.ties;
    const values = this.values;
    const top = values[0];
    const n = --this.count;
    if (n === 0) return top;
    const key = keys[n];
    const tie = ties[n];
    const value = values[n];
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && (keys[right] < keys[left] || (keys[right] === keys[left] && ties[right] < ties[left]))) {
        child = right;
      }
      if (key < keys[child] || (key === keys[child] && tie <= ties[child])) break;
      keys[i] = keys[child];
      ties[i] = ties[child];
      values[i] = values[child];
      i = child;
    }
    keys[i] = key;
    ties[i] = tie;
    values[i] = value;
    return top;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    const keys = new Float64Array(capacity);
    const ties = new Float64Array(capacity);
    const values = new Int32Array(capacity);
    keys.set(this.keys);
    ties.set(this.ties);
    values.set(this.values);
    this.keys = keys;
    this.ties = ties;
    this.values = values;
  }
}
