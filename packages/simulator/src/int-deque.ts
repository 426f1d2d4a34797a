/** A double-ended queue of int32 in a growable ring buffer: the waiting queue (preempted requests go to its front). */
export class IntDeque {
  private buffer: Int32Array;
  private head = 0;
  private length = 0;

  constructor(initialCapacity = 64) {
    this.buffer = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.length;
  }

  peekFront(): number {
    return this.buffer[this.head];
  }

  pushBack(value: number): void {
    if (this.length === this.buffer.length) this.grow();
    this.buffer[(this.head + this.length) % this.buffer.length] = value;
    this.length++;
  }

  pushFront(value: number): void {
    if (this.length === this.buffer.length) this.grow();
    this.head = (this.head - 1 + this.buffer.length) % this.buffer.length;
    this.buffer[this.head] = value;
    this.length++;
  }

  popFront(): number {
    const value = this.buffer[this.head];
    this.head = (this.head + 1) % this.buffer.length;
    this.length--;
    return value;
  }

  private grow(): void {
    const next = new Int32Array(this.buffer.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.buffer[(this.head + i) % this.buffer.length];
    this.buffer = next;
    this.head = 0;
  }
}
