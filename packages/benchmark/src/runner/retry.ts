import { RunnerError } from './runner-error.ts';

/** Exponential backoff: attempt n (0-based) waits min(maxDelayMs, initialDelayMs * factor^n). */
export interface Backoff {
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
}

/** 1 s, 2 s, 4 s … up to 30 s: long enough for a restarting vLLM worker, short against a benchmark run. */
export const DEFAULT_BACKOFF: Backoff = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000 };

/** Waits `ms`, or rejects with `ABORTED` as soon as the signal fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const defaultSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new RunnerError('ABORTED', 'the run was stopped while waiting to retry'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunnerError('ABORTED', 'the run was stopped while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function backoffDelayMs(backoff: Backoff, attempt: number): number {
  return Math.min(backoff.maxDelayMs, backoff.initialDelayMs * backoff.factor ** attempt);
}

export interface RetryOptions {
  /** Tries after the first; 0 tries once. */
  readonly retries: number;
  readonly backoff: Backoff;
  readonly sleep: Sleep;
  readonly signal?: AbortSignal;
  /** Told before each wait: the failure, the attempt that failed (1-based), the delay. */
  readonly onRetry?: (error: RunnerError, attempt: number, delayMs: number) => void;
}

/**
 * Calls `attempt` until it succeeds, it fails with an error that is not retryable (4xx, timeouts, protocol
 * errors, aborts), or `retries` extra tries are spent. Returns the value and how many tries it took; a final
 * failure is rethrown with `attempts` recorded on it.
 */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<{ value: T; attempts: number }> {
  for (let n = 0; ; n++) {
    try {
      return { value: await attempt(), attempts: n + 1 };
    } catch (error) {
      const failure = error instanceof RunnerError ? error : new RunnerError('PROTOCOL_ERROR', String(error), { cause: error });
      if (!failure.retryable || n >= options.retries || options.signal?.aborted) {
        throw Object.assign(failure, { attempts: n + 1 });
      }
      const delayMs = backoffDelayMs(options.backoff, n);
      options.onRetry?.(failure, n + 1, delayMs);
      await options.sleep(delayMs, options.signal);
    }
  }
}

/** How many tries a failure from `withRetries` took (1 when it did not come from there). */
export function attemptsOf(error: unknown): number {
  const attempts = (error as { attempts?: unknown } | undefined)?.attempts;
  return typeof attempts === 'number' ? attempts : 1;
}
