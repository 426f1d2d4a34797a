import { afterEach, describe, expect, it } from 'vitest';
import { BenchmarkPointSchema, type BenchmarkPoint } from '../benchmark-point.ts';
import { startOpenAiServer, type Behaviour, type CompletionBody, type OpenAiTestServer } from '../__fixtures__/runner-openai-server.ts';
import { formatRunFailures } from './format-run-failures.ts';
import { runExperiment, type RunExperimentOptions, type RunProgress } from './run-experiment.ts';
import { RunnerError } from './runner-error.ts';

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FIXED_DATE = new Date('2025-06-01T12:00:00Z');
// The test server streams each request on its own timeline (it is no batching engine), so prefills are timed
// from the send, without a pilot.
const FAST = { backoff: { initialDelayMs: 5, factor: 2, maxDelayMs: 20 }, retries: 2, idleTimeoutMs: 400, timeoutMs: 10_000, prefillPilot: false };
const stream = (ttftMs: number, gapMs: number): Behaviour => ({ kind: 'stream', ttftMs, gapMs });

function options(over: Partial<RunExperimentOptions> & Pick<RunExperimentOptions, 'points'>): RunExperimentOptions {
  return {
    endpoint: server!.url, modelName: 'test-model', metadata: { model: 'llama-2-7b', xpu: 'h100-sxm' }, now: () => FIXED_DATE,
    ...FAST, ...over,
  };
}

describe('runExperiment against a well-behaved server', () => {
  it('measures a 30 ms prefill and 10 ms decode steps, with spread over repeats', async () => {
    server = await startOpenAiServer({ version: '0.11.0', maxModelLen: 4096, behaviour: () => stream(30, 10) });
    const handed: BenchmarkPoint[] = [];
    const events: RunProgress[] = [];
    const run = { batchSize: 2, inputLen: 32, outputLen: 14, repeats: 3, warmup: 1 };
    const result = await runExperiment(options({ points: [run], onPoint: (p) => void handed.push(p), onProgress: (e) => events.push(e) }));

    expect(result.failures).toEqual([]);
    expect(handed).toEqual(result.points);
    const [prefill, decode] = result.points;
    expect(prefill).toMatchObject({
      phase: 'prefill', model: 'llama-2-7b', xpu: 'h100-sxm', tp: 1, batchSize: 2, inputLen: 32, contextLen: 0, outputLen: 14,
      repeats: 3, engine: 'vllm', engineVersion: '0.11.0', date: '2025-06-01T12:00:00.000Z',
    });
    // The server waits 30 ms after each request arrives, then at least 10 ms between tokens.
    expect(prefill.latencyMs).toBeGreaterThanOrEqual(29);
    expect(decode).toMatchObject({ phase: 'decode', contextLen: 32 + 7, repeats: 3 });
    const timedGaps = server.chunkWrites.slice(2).flatMap((w) => w.slice(1).map((t, i) => t - w[i])).sort((a, b) => a - b);
    const serverMedianGap = timedGaps[Math.floor(timedGaps.length / 2)];
    expect(decode.latencyMs).toBeGreaterThanOrEqual(9.5);
    // The server's gaps are at least 10 ms each; a busy machine stretches both sides alike.
    expect(serverMedianGap).toBeGreaterThanOrEqual(9.5);
    for (const p of result.points) {
      expect(BenchmarkPointSchema.parse(p)).toEqual(p);
      expect(p.spread!.minMs!).toBeLessThanOrEqual(p.latencyMs);
      expect(p.spread!.maxMs!).toBeGreaterThanOrEqual(p.latencyMs);
      expect(p.spread!.stdMs!).toBeGreaterThanOrEqual(0);
    }

    // 1 warm-up + 3 timed batches of 2 requests (and any batch re-sent because a busy machine delivered its
    // requests apart: the point says so), each prompt 32 distinct token ids, never repeated.
    const resent = Number(/^(\d+) batch\(es\) re-sent/.exec(prefill.notes ?? '')?.[1] ?? 0);
    expect(server.completions).toHaveLength(2 * (4 + resent));
    expect(new Set(server.completions.map((c) => c.prompt.join(','))).size).toBe(2 * (4 + resent));
    expect(server.completions.every((c) => c.prompt.length === 32 && c.max_tokens === 14)).toBe(true);

    expect(events.map((e) => e.event)).toEqual(['start', 'warmup', 'repeat', 'repeat', 'repeat', 'measured']);
    expect(events.at(-1)).toMatchObject({ completedBatches: 4, totalBatches: 4, completedRuns: 1, measuredPoints: 2 });
    expect(result.provenance.url).toBe(server.url);
    expect(result.provenance.notes).toContain('max_model_len 4096');
  });

  it('refuses to start for a model the server does not serve, naming the served ones', async () => {
    server = await startOpenAiServer({ modelId: 'served-model', behaviour: () => stream(1, 1) });
    const error = await runExperiment(
      options({ modelName: 'other', points: [{ batchSize: 1, inputLen: 4, outputLen: 4, repeats: 1, warmup: 0 }] }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerError);
    expect((error as RunnerError).code).toBe('UNKNOWN_MODEL');
    expect((error as RunnerError).message).toContain('known: served-model');
    expect(server.completions).toHaveLength(0);
  });

  it('fails a run whose batch exceeds the concurrency limit instead of sending it in waves', async () => {
    server = await startOpenAiServer({ behaviour: () => stream(1, 1) });
    const result = await runExperiment(options({ concurrency: 4, points: [{ batchSize: 8, inputLen: 4, outputLen: 4, repeats: 1, warmup: 0 }] }));
    expect(result.points).toEqual([]);
    expect(result.failures[0].message).toContain('batchSize 8 exceeds concurrency 4');
    expect(server.completions).toHaveLength(0);
  });

  it('measures neither phase, and says why, when the server runs the batch one request at a time', async () => {
    server = await startOpenAiServer({ serial: true, behaviour: () => stream(5, 2) });
    const run = { batchSize: 2, inputLen: 8, outputLen: 6, repeats: 1, warmup: 0 };
    const result = await runExperiment(options({ points: [run], splitResends: 1 }));
    // The second request's first token comes after the whole first request: that is no prefill of two prompts.
    expect(result.points).toEqual([]);
    expect(result.failures.map((f) => f.phases)).toEqual([['prefill'], ['decode']]);
    expect(result.failures[0].message).toContain('never prefilled all 2 prompts in one step (1 batch(es) split on each of 2 tries');
    expect(result.failures[1]).toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(result.failures[1].message).toContain('max_num_seqs');
  });

  it('rejects invalid options, naming the field', async () => {
    server = await startOpenAiServer({ behaviour: () => stream(1, 1) });
    await expect(runExperiment(options({ points: [{ batchSize: 0, inputLen: 4, outputLen: 4, repeats: 1, warmup: 0 }] }))).rejects.toThrow(
      /points\.0\.batchSize/,
    );
  });
});

describe('runExperiment against misbehaving servers', () => {
  // Each run is told apart by its output length; the server misbehaves accordingly.
  const OK = { batchSize: 2, inputLen: 16, outputLen: 6, repeats: 2, warmup: 1 };
  const BAD_REQUEST = { ...OK, outputLen: 7 };
  const DROPS = { ...OK, outputLen: 8 };
  const FLAKY = { ...OK, outputLen: 9 };
  const STALLS = { ...OK, outputLen: 10 };
  const TOO_LONG = { ...OK, inputLen: 100, outputLen: 11 };

  function misbehaving(healed: boolean): (index: number, body: CompletionBody) => Behaviour {
    let flakyCalls = 0;
    return (_index, body) => {
      if (healed) return stream(2, 2);
      switch (body.max_tokens) {
        case 7:
          return { kind: 'status', status: 400, message: 'prompt contains an invalid token id' };
        case 8:
          return { kind: 'drop', afterTokens: 2, ttftMs: 2, gapMs: 2 };
        case 9:
          // The first request of the run fails, as a server restarting under load would; the rest succeed.
          return flakyCalls++ === 0 ? { kind: 'status', status: 500, message: 'EngineCore encountered an issue' } : stream(2, 2);
        case 10:
          return { kind: 'stall', afterTokens: 1, ttftMs: 2, gapMs: 2 };
        default:
          return stream(2, 2);
      }
    };
  }

  it('finishes the run, keeps what it measured and reports each failure with its reason', async () => {
    server = await startOpenAiServer({ maxModelLen: 64, behaviour: misbehaving(false) });
    const handed: BenchmarkPoint[] = [];
    const retriedStatuses: (number | string | undefined)[] = [];
    const result = await runExperiment(
      options({
        points: [OK, BAD_REQUEST, DROPS, FLAKY, STALLS, TOO_LONG],
        onPoint: (p) => void handed.push(p),
        onRetry: ({ error }) => retriedStatuses.push(error.status ?? error.code),
      }),
    );

    expect(result.points.map((p) => [p.phase, p.outputLen])).toEqual([['prefill', 6], ['decode', 6], ['prefill', 9], ['decode', 9]]);
    expect(handed).toEqual(result.points);
    expect(result.aborted).toBe(false);

    const byOutput = new Map(result.failures.map((f) => [f.run.outputLen, f]));
    expect([...byOutput.keys()]).toEqual([7, 8, 10, 11]);
    expect(byOutput.get(7)).toMatchObject({ code: 'HTTP_ERROR', status: 400, attempts: 1, phases: ['prefill', 'decode'] });
    expect(byOutput.get(7)!.message).toContain('invalid token id');
    expect(byOutput.get(8)).toMatchObject({ code: 'CONNECTION_ERROR', attempts: 3 });
    expect(byOutput.get(10)).toMatchObject({ code: 'TIMEOUT', attempts: 1 });
    expect(byOutput.get(11)).toMatchObject({ code: 'INVALID_RUNNER_OPTIONS', attempts: 1 });
    expect(byOutput.get(11)!.message).toContain("max_model_len 64");
    // The 500 was retried (once), the 400 never; the drop twice.
    expect(retriedStatuses.filter((s) => s === 500)).toHaveLength(1);
    expect(retriedStatuses.filter((s) => s === 400)).toHaveLength(0);
    expect(retriedStatuses.filter((s) => s === 'CONNECTION_ERROR')).toHaveLength(2);
    // The 400 batch was sent once; nothing was sent for the run longer than max_model_len.
    expect(server.completions.filter((c) => c.max_tokens === 7)).toHaveLength(OK.batchSize);
    expect(server.completions.filter((c) => c.max_tokens === 11)).toHaveLength(0);

    const report = formatRunFailures(result.failures).split('\n');
    expect(report).toHaveLength(4);
    expect(report[0]).toMatch(/^bs 2 in 16 out 7 \[prefill, decode\]: HTTP 400 after 1 attempt: /);
    expect(report[2]).toMatch(/^bs 2 in 16 out 10 \[prefill, decode\]: timeout after 1 attempt/);

    // Resume against the healed server: only the failed runs are measured, nothing is measured twice.
    await server.close();
    server = await startOpenAiServer({ maxModelLen: 4096, behaviour: misbehaving(true) });
    const resumed = await runExperiment(
      options({ points: [OK, BAD_REQUEST, DROPS, FLAKY, STALLS, TOO_LONG], existing: result.points, seed: 1 }),
    );
    expect(resumed.failures).toEqual([]);
    expect(resumed.skipped).toEqual([OK, FLAKY]);
    expect(resumed.points.map((p) => p.outputLen)).toEqual([7, 7, 8, 8, 10, 10, 11, 11]);
    expect(server.completions.every((c) => c.max_tokens !== 6 && c.max_tokens !== 9)).toBe(true);
  });

  it('stops when aborted, returning the points measured before', async () => {
    server = await startOpenAiServer({ behaviour: (_i, body) => (body.max_tokens === 10 ? { kind: 'stall', afterTokens: 1, ttftMs: 1, gapMs: 1 } : stream(1, 1)) });
    const controller = new AbortController();
    const result = await runExperiment(
      options({
        points: [OK, STALLS, { ...OK, outputLen: 12 }],
        idleTimeoutMs: 10_000,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.event === 'measured') setTimeout(() => controller.abort(), 30);
        },
      }),
    );
    expect(result.aborted).toBe(true);
    expect(result.points.map((p) => p.outputLen)).toEqual([6, 6]);
    expect(result.failures.map((f) => [f.run.outputLen, f.code])).toEqual([[10, 'ABORTED']]);
    expect(result.notStarted).toEqual([{ ...OK, outputLen: 12 }]);
  });
});
