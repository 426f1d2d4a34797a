/** Cancels a timer set by `Clock.setTimer`; harmless when it already fired. */
export type CancelTimer = () => void;

/**
 * Time as the engine sees it, injected so that tests run on a manual clock and the server on the
 * system's. `nowSeconds` must never go backwards; its origin is the clock's own (the system clock
 * counts from the Unix epoch, so that it also dates responses).
 */
export interface Clock {
  /** The current time in seconds from the clock's origin; never goes backwards. */
  nowSeconds(): number;
  /** Calls `callback` once, `delaySeconds` (>= 0) from now. */
  setTimer(delaySeconds: number, callback: () => void): CancelTimer;
}

/**
 * The real clock: monotonic time (performance.now) offset to the Unix epoch, and node timers. The
 * one place of this package that reads ambient time, passed in by whoever starts a server.
 */
export function createSystemClock(): Clock {
  const origin = performance.timeOrigin;
  return {
    nowSeconds: () => (origin + performance.now()) / 1000,
    setTimer: (delaySeconds, callback) => {
      // A zero delay means "after what is already queued at this instant": setImmediate, not a 1 ms timeout.
      if (!(delaySeconds > 0)) {
        const immediate = setImmediate(callback);
        return () => clearImmediate(immediate);
      }
      const handle = setTimeout(callback, delaySeconds * 1000);
      return () => clearTimeout(handle);
    },
  };
}

/**
 * The test double of `Clock`: time moves only when `advance`/`runAll` is called, and timers fire in
 * order of due time, ties in the order they were set (so a zero-delay timer set by a callback runs
 * after every timer already due at that instant).
 */
export class ManualClock implements Clock {
  private time: number;
  private sequence = 0;
  private readonly timers: { due: number; seq: number; callback: () => void }[] = [];

  constructor(startSeconds = 0) {
    this.time = startSeconds;
  }

  nowSeconds(): number {
    return this.time;
  }

  setTimer(delaySeconds: number, callback: () => void): CancelTimer {
    const timer = { due: this.time + Math.max(0, delaySeconds), seq: this.sequence++, callback };
    this.timers.push(timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Fires every timer due up to `untilSeconds` in order, then sets the time to it. */
  advanceTo(untilSeconds: number): void {
    for (;;) {
      const next = this.nextTimer();
      if (next === undefined || next.due > untilSeconds) break;
      this.fire(next);
    }
    if (untilSeconds > this.time) this.time = untilSeconds;
  }

  /** Fires timers until none is left, at most `maxTimers` of them (a bound against a loop that never ends). */
  runAll(maxTimers = 1_000_000): void {
    for (let fired = 0; fired < maxTimers; fired++) {
      const next = this.nextTimer();
      if (next === undefined) return;
      this.fire(next);
    }
    throw new Error(`ManualClock.runAll: more than ${maxTimers} timers fired`);
  }

  private nextTimer() {
    let best: (typeof this.timers)[number] | undefined;
    for (const t of this.timers) if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    return best;
  }

  private fire(timer: (typeof this.timers)[number]): void {
    this.timers.splice(this.timers.indexOf(timer), 1);
    if (timer.due > this.time) this.time = timer.due;
    timer.callback();
  }
}
