import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiTestServer } from '../__fixtures__/runner-openai-server.ts';
import { streamCompletion } from './completion-stream.ts';
import { promptTokenIds } from './prompt-token-ids.ts';
import { RunnerError } from './runner-error.ts';

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function failureOf(promise: Promise<unknown>): Promise<RunnerError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RunnerError);
  return error as RunnerError;
}

describe('streamCompletion', () => {
  it('times the first token and every gap of a server streaming at 30 ms then every 10 ms', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'stream', ttftMs: 30, gapMs: 10 }) });
    // The first fetch of a process loads undici and opens a connection: what the runner's warm-up runs absorb.
    await streamCompletion({ endpoint: server.url, modelName: 'test-model', promptTokenIds: [1000], maxTokens: 1 });
    const timing = await streamCompletion({
      endpoint: `${server.url}/v1`, modelName: 'test-model', promptTokenIds: promptTokenIds(32, 0, { seed: 1 }), maxTokens: 12,
    });
    expect(timing.completionTokens).toBe(12);
    expect(timing.completionTokensFrom).toBe('usage');
    expect(timing.promptTokens).toBe(32);
    expect(timing.chunkTimesMs).toHaveLength(12);
    // The server waits 30 ms after the request arrives: the first token cannot be measured earlier.
    expect(timing.ttftMs).toBeGreaterThanOrEqual(29);
    // Same process, same clock: each chunk is timed after the server wrote it, late only by what the event loop
    // owed (on a busy machine, tens of milliseconds: no fixed bound holds there, so the test bounds the timing
    // errors by the lateness it observed).
    const writes = server.chunkWrites[1];
    for (let k = 0; k < 12; k++) expect(timing.chunkTimesMs[k]).toBeGreaterThanOrEqual(writes[k]);
    const lateMs = Math.max(...writes.map((w, k) => timing.chunkTimesMs[k] - w));
    expect(timing.ttftMs).toBeLessThanOrEqual(writes[0] - timing.sentAtMs + lateMs);
    const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const serverGaps = writes.slice(1).map((w, i) => w - writes[i]);
    expect(median(serverGaps)).toBeGreaterThanOrEqual(9.5);
    expect(Math.abs(median(timing.itlMs) - median(serverGaps))).toBeLessThanOrEqual(lateMs + 1e-9);
    expect(timing.e2eMs).toBeGreaterThanOrEqual(timing.chunkTimesMs[11] - timing.sentAtMs);
  });

  it('sends the prompt as token ids with max_tokens, ignore_eos, temperature 0 and include_usage', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'stream', ttftMs: 1, gapMs: 1 }) });
    const prompt = promptTokenIds(20, 4, { seed: 3 });
    await streamCompletion({ endpoint: server.url, modelName: 'test-model', promptTokenIds: prompt, maxTokens: 3 });
    expect(server.completions[0]).toEqual({
      model: 'test-model', prompt, max_tokens: 3, ignore_eos: true, temperature: 0, stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('counts the chunks when the server sends no usage', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'stream', ttftMs: 1, gapMs: 1, omitUsage: true }) });
    const timing = await streamCompletion({ endpoint: server.url, modelName: 'm', promptTokenIds: [1000, 1001], maxTokens: 5 });
    expect(timing.completionTokens).toBe(5);
    expect(timing.completionTokensFrom).toBe('chunks');
    expect(timing.promptTokens).toBeUndefined();
  });

  it('reports a 400 with its status and message, not retryable', async () => {
    server = await startOpenAiServer({
      behaviour: () => ({ kind: 'status', status: 400, message: "This model's maximum context length is 2048 tokens." }),
    });
    const error = await failureOf(streamCompletion({ endpoint: server.url, modelName: 'm', promptTokenIds: [1000], maxTokens: 2 }));
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('maximum context length is 2048');
  });

  it('reports a 500 as retryable', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'status', status: 500, message: 'EngineCore died' }) });
    const error = await failureOf(streamCompletion({ endpoint: server.url, modelName: 'm', promptTokenIds: [1000], maxTokens: 2 }));
    expect(error).toMatchObject({ code: 'HTTP_ERROR', status: 500, retryable: true });
  });

  it('reports a connection dropped mid-stream as a retryable connection error', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'drop', afterTokens: 3, ttftMs: 2, gapMs: 2 }) });
    const error = await failureOf(streamCompletion({ endpoint: server.url, modelName: 'm', promptTokenIds: [1000], maxTokens: 10 }));
    expect(error).toMatchObject({ code: 'CONNECTION_ERROR', retryable: true });
    expect(error.message).toContain('after 3 tokens');
  });

  it('reports a refused connection with its errno', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'stream', ttftMs: 1, gapMs: 1 }) });
    const url = server.url;
    await server.close();
    server = undefined;
    const error = await failureOf(streamCompletion({ endpoint: url, modelName: 'm', promptTokenIds: [1000], maxTokens: 2 }));
    expect(error).toMatchObject({ code: 'CONNECTION_ERROR', errno: 'ECONNREFUSED', retryable: true });
  });

  it('gives up on a stalled stream after the idle timeout, and on a slow one after the total timeout', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'stall', afterTokens: 2, ttftMs: 1, gapMs: 1 }) });
    const idle = await failureOf(
      streamCompletion({ endpoint: server.url, modelName: 'm', promptTokenIds: [1000], maxTokens: 10, idleTimeoutMs: 80 }),
    );
    expect(idle.code).toBe('TIMEOUT');
    expect(idle.message).toContain('idleTimeoutMs');
    const total = await failureOf(
      streamCompletion({ endpoint: server.url, modelName: 'm', promptTokenIds: [1000], maxTokens: 10, timeoutMs: 80 }),
    );
    expect(total.code).toBe('TIMEOUT');
    expect(total.message).toContain('timeoutMs');
  });

  it('stops at once when the caller aborts', async () => {
    server = await startOpenAiServer({ behaviour: () => ({ kind: 'stall', afterTokens: 1, ttftMs: 1, gapMs: 1 }) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await failureOf(
      streamCompletion({ endpoint: server.url, modelName: 'm', promptTokenIds: [1000], maxTokens: 10, signal: controller.signal }),
    );
    expect(error.code).toBe('ABORTED');
  });
});
