import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF, withRetries, attemptsOf, defaultSleep } from './retry.ts';
import { RunnerError } from './runner-error.ts';

const noSleep = async () => undefined;

describe('withRetries', () => {
  it('backs off exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(DEFAULT_BACKOFF, n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('retries retryable failures with growing waits until one succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new RunnerError('HTTP_ERROR', 'HTTP 503', { status: 503, retryable: true });
        return 'ok';
      },
      { retries: 5, backoff: { initialDelayMs: 10, factor: 3, maxDelayMs: 1000 }, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toEqual({ value: 'ok', attempts: 3 });
    expect(waits).toEqual([10, 30]);
  });

  it('does not retry a 400', async () => {
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        throw new RunnerError('HTTP_ERROR', 'HTTP 400', { status: 400 });
      },
      { retries: 5, backoff: DEFAULT_BACKOFF, sleep: noSleep },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(attemptsOf(error)).toBe(1);
  });

  it('gives up after the allowed retries and says how many tries it made', async () => {
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        throw new RunnerError('CONNECTION_ERROR', 'ECONNREFUSED', { errno: 'ECONNREFUSED', retryable: true });
      },
      { retries: 2, backoff: DEFAULT_BACKOFF, sleep: noSleep },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(attemptsOf(error)).toBe(3);
    expect((error as RunnerError).errno).toBe('ECONNREFUSED');
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await expect(defaultSleep(10_000, controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
