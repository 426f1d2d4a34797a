import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createConstantPerformanceModel, type PerformanceModel } from '@llm-sim/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from './clock.ts';
import { EMULATOR_VERSION, createEmulatorServer, maxBodyBytesFor, type EmulatorServer, type EmulatorServerOptions } from './emulator-server.ts';

const servers: EmulatorServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Every step costs 20 ms, plus 0.5 ms per prompt token: a 100-token prefill takes 70 ms. */
const model20ms = createConstantPerformanceModel({ stepOverheadSeconds: 0.02, prefillSecondsPerToken: 5e-4, decodeSecondsPerStep: 0 });

async function start(overrides: Partial<EmulatorServerOptions> = {}): Promise<{ url: string; server: EmulatorServer }> {
  const server = createEmulatorServer({
    performanceModel: model20ms,
    modelName: 'llama-3.1-8b',
    kvCacheBlocks: 1000,
    maxModelLen: 4096,
    clock: createSystemClock(),
    ...overrides,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const post = (url: string, body: unknown, signal?: AbortSignal) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });

interface StreamEvent {
  readonly data: string;
  /** performance.now() in ms when the event's bytes arrived. */
  readonly atMs: number;
}

/** Reads an SSE response to its end (or `maxEvents`), timing each `data:` event. */
async function readEvents(res: Response, maxEvents = 100_000): Promise<StreamEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: StreamEvent[] = [];
  let buffer = '';
  while (events.length < maxEvents) {
    const { value, done } = await reader.read();
    if (done) break;
    const atMs = performance.now();
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0 && events.length < maxEvents) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      expect(block.startsWith('data: ')).toBe(true);
      events.push({ data: block.slice('data: '.length), atMs });
    }
  }
  return events;
}

const tokenEvents = (events: StreamEvent[]) => events.filter((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices.length > 0);

describe('emulator server: completions', () => {
  it('answers a non-streaming completion with max_tokens filler tokens and exact usage', async () => {
    const { url } = await start();
    // 400 characters count as 100 tokens.
    const res = await post(`${url}/v1/completions`, { model: 'llama-3.1-8b', prompt: 'x'.repeat(400), max_tokens: 5 });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.object).toBe('text_completion');
    expect(body.model).toBe('llama-3.1-8b');
    expect(body.choices).toEqual([{ index: 0, text: ' tok tok tok tok tok', logprobs: null, finish_reason: 'length', stop_reason: null }]);
    expect(body.usage).toEqual({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 });
  });

  it('streams one chunk per token for a token-id prompt, then the usage chunk and [DONE]', async () => {
    const { url } = await start();
    const res = await post(`${url}/v1/completions`, {
      model: 'llama-3.1-8b',
      prompt: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      max_tokens: 8,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = await readEvents(res);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks).toHaveLength(9);
    chunks.slice(0, 8).forEach((c, i) => {
      expect(c.object).toBe('text_completion');
      expect(c.choices[0].text).toBe(' tok');
      expect(c.choices[0].finish_reason).toBe(i === 7 ? 'length' : null);
    });
    expect(chunks[8].choices).toEqual([]);
    expect(chunks[8].usage).toEqual({ prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 });
  });

  it('defaults max_tokens to 16 for a completion, as vLLM and OpenAI do', async () => {
    const { url } = await start();
    const body: any = await (await post(`${url}/v1/completions`, { prompt: 'hello' })).json();
    expect(body.usage).toEqual({ prompt_tokens: 2, completion_tokens: 16, total_tokens: 18 });
  });
});

describe('emulator server: chat completions', () => {
  it('answers a non-streaming chat with an assistant message and usage', async () => {
    const { url } = await start();
    // "user: " + 34 characters = 40 characters: 10 tokens.
    const res = await post(`${url}/v1/chat/completions`, { model: 'llama-3.1-8b', messages: [{ role: 'user', content: 'a'.repeat(34) }], max_tokens: 3 });
    const body: any = await res.json();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message).toEqual({ role: 'assistant', content: ' tok tok tok' });
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.usage).toEqual({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
  });

  it('streams the role first, then one content delta per token (max_completion_tokens wins)', async () => {
    const { url } = await start();
    const res = await post(`${url}/v1/chat/completions`, {
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      max_tokens: 50,
      max_completion_tokens: 4,
      stream: true,
    });
    const events = await readEvents(res);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: ' tok' },
      { content: ' tok' },
      { content: ' tok' },
      { content: ' tok' },
    ]);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.usage === undefined)).toBe(true);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('length');
  });
});

describe('emulator server: timing', () => {
  it('gives a single request TTFT of the prefill step and inter-token gaps of the decode step', async () => {
    const { url } = await start();
    const sentMs = performance.now();
    const res = await post(`${url}/v1/completions`, { prompt: 'x'.repeat(400), max_tokens: 11, stream: true });
    const tokens = tokenEvents(await readEvents(res));
    expect(tokens).toHaveLength(11);
    // Prefill of 100 tokens: 20 + 50 ms; decode steps: 20 ms. Timers never fire early (1 ms of
    // rounding allowed); a busy machine makes the client read late (by a lag no fixed bound holds on a loaded
    // CI runner, so the upper bounds allow 0.5 s of it), but steps chain on their ideal ends, so lateness does
    // not accumulate: over ten steps it moves the mean gap by a tenth of one read's lag at most.
    const ttftMs = tokens[0].atMs - sentMs;
    expect(ttftMs).toBeGreaterThanOrEqual(69);
    expect(ttftMs).toBeLessThan(70 + 500);
    const meanGapMs = (tokens[10].atMs - tokens[0].atMs) / 10;
    expect(meanGapMs).toBeGreaterThanOrEqual(19);
    expect(meanGapMs).toBeLessThan(20 + 50);
  });

  it('makes concurrent requests slow each other when the model prices each sequence', async () => {
    // 10 ms per decode step + 5 ms per sequence: 15 ms alone, 50 ms for a batch of 8.
    const perSequence: PerformanceModel = createConstantPerformanceModel({
      prefillSecondsPerToken: 1e-5,
      decodeSecondsPerStep: 0.01,
      decodeSecondsPerSequence: 0.005,
    });
    const { url } = await start({ performanceModel: perSequence });
    const meanGap = (tokens: StreamEvent[]) => (tokens.at(-1)!.atMs - tokens[0].atMs) / (tokens.length - 1);
    const request = async () => tokenEvents(await readEvents(await post(`${url}/v1/completions`, { prompt: [1, 2, 3, 4], max_tokens: 12, stream: true })));
    const alone = meanGap(await request());
    const together = (await Promise.all(Array.from({ length: 8 }, request))).map(meanGap);
    // A late read of a request's first or last token moves its mean gap by a tenth of that lateness, either way,
    // so each figure is bounded with room for a busy machine.
    expect(alone).toBeGreaterThanOrEqual(12);
    expect(alone).toBeLessThan(30);
    // Requests that arrive a step apart share most but not all of their decode steps (the last to
    // come decodes its final tokens with fewer companions), so the average is near the full batch's 50 ms.
    const meanTogether = together.reduce((a, b) => a + b, 0) / together.length;
    expect(meanTogether).toBeGreaterThanOrEqual(38);
    expect(meanTogether).toBeGreaterThan(1.5 * alone);
    expect(meanTogether).toBeLessThan(70);
  });
});

describe('emulator server: errors', () => {
  const cases: [string, string, string, unknown, number, string | null][] = [
    ['a body that is not JSON', 'POST', '/v1/completions', '{"prompt": ', 400, null],
    ['a completion without a prompt', 'POST', '/v1/completions', { model: 'llama-3.1-8b' }, 400, 'prompt'],
    ['an empty prompt', 'POST', '/v1/completions', { prompt: '' }, 400, 'prompt'],
    ['a chat without messages', 'POST', '/v1/chat/completions', { max_tokens: 3 }, 400, 'messages'],
    ['n = 2', 'POST', '/v1/completions', { prompt: 'hi', n: 2 }, 400, 'n'],
    ['a prompt longer than max_model_len', 'POST', '/v1/completions', { prompt: 'x'.repeat(4 * 5000) }, 400, 'prompt'],
    ['prompt + max_tokens over max_model_len', 'POST', '/v1/completions', { prompt: 'x'.repeat(4 * 4000), max_tokens: 100 }, 400, 'max_tokens'],
    ['an unknown model', 'POST', '/v1/completions', { model: 'gpt-4', prompt: 'hi' }, 404, 'model'],
    ['an unknown route', 'GET', '/v1/embeddings', undefined, 404, null],
    ['GET on a POST route', 'GET', '/v1/completions', undefined, 405, null],
    ['POST on a GET route', 'POST', '/health', {}, 405, null],
  ];
  it.each(cases)('answers %s with an OpenAI error and the right status', async (_what, method, path, body, status, param) => {
    const { url } = await start();
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    const json: any = await res.json();
    expect(json.error.type).toBe('invalid_request_error');
    expect(typeof json.error.message).toBe('string');
    expect(json.error.param).toBe(param);
    expect(json.error).toHaveProperty('code');
  });
});

/** Parses Prometheus text format: every line a comment or `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* \S/);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const value = m![3] === '+Inf' ? Infinity : Number(m![3]);
    expect(Number.isNaN(value), line).toBe(false);
    samples.set(`${m![1]}${m![2] ?? ''}`, value);
  }
  return samples;
}

describe('emulator server: endpoints and metrics', () => {
  it('serves /health, /version and /v1/models in vLLM\'s formats', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(EMULATOR_VERSION).toBe(pkg.version);
    expect(await (await fetch(`${url}/version`)).json()).toEqual({ version: pkg.version });
    const models: any = await (await fetch(`${url}/v1/models`)).json();
    expect(models.object).toBe('list');
    expect(models.data).toHaveLength(1);
    expect(models.data[0]).toMatchObject({ id: 'llama-3.1-8b', object: 'model', owned_by: 'vllm', max_model_len: 4096 });
  });

  it('counts requests, tokens and TTFTs in Prometheus text with vLLM\'s metric names', async () => {
    const { url } = await start();
    await (await post(`${url}/v1/completions`, { prompt: 'x'.repeat(400), max_tokens: 3 })).json();
    await readEvents(await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'a'.repeat(34) }], max_tokens: 2, stream: true }));
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheus(await res.text());
    const l = 'model_name="llama-3.1-8b"';
    expect(m.get(`vllm:request_success_total{${l},finished_reason="length"}`)).toBe(2);
    expect(m.get(`vllm:prompt_tokens_total{${l}}`)).toBe(110);
    expect(m.get(`vllm:generation_tokens_total{${l}}`)).toBe(5);
    expect(m.get(`vllm:num_requests_running{${l}}`)).toBe(0);
    expect(m.get(`vllm:num_requests_waiting{${l}}`)).toBe(0);
    expect(m.get(`vllm:kv_cache_usage_perc{${l}}`)).toBe(0);
    expect(m.get(`vllm:gpu_cache_usage_perc{${l}}`)).toBe(0);
    expect(m.get(`vllm:time_to_first_token_seconds_count{${l}}`)).toBe(2);
    expect(m.get(`vllm:time_to_first_token_seconds_bucket{${l},le="+Inf"}`)).toBe(2);
    // Prefills of 100 and 10 tokens take 70 and 25 ms: neither TTFT is under 20 ms.
    expect(m.get(`vllm:time_to_first_token_seconds_bucket{${l},le="0.02"}`)).toBe(0);
    expect(m.get(`vllm:time_to_first_token_seconds_sum{${l}}`)).toBeGreaterThanOrEqual(0.094);
  });

  it('aborts a request whose client disconnects mid-stream and frees its KV blocks', async () => {
    const { url, server } = await start();
    const controller = new AbortController();
    // 1000 tokens at 20 ms would take 20 s; the client leaves after 3.
    const res = await post(`${url}/v1/completions`, { prompt: 'x'.repeat(4000), max_tokens: 1000, stream: true }, controller.signal);
    const first = await readEvents(res, 3);
    expect(first).toHaveLength(3);
    expect(server.engine.runningRequests).toBe(1);
    // 1000 prompt tokens and a few decoded ones: 63 blocks of 16 (64 if the client reads late).
    expect(server.engine.usedKvBlocks).toBeGreaterThanOrEqual(63);
    expect(server.engine.usedKvBlocks).toBeLessThanOrEqual(64);
    controller.abort();
    for (let i = 0; i < 100 && server.engine.runningRequests > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.engine.runningRequests).toBe(0);
    expect(server.engine.usedKvBlocks).toBe(0);
    const m = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    expect(m.get('vllm:request_success_total{model_name="llama-3.1-8b",finished_reason="length"}')).toBe(0);
    expect(m.get('vllm:request_success_total{model_name="llama-3.1-8b",finished_reason="abort"}')).toBe(1);
  });

  it('refuses a body longer than any prompt within the context needs, before parsing it', async () => {
    // A 4096-token context: 16 bytes a token + 1 MiB is the most a request can need.
    const { url } = await start();
    expect(maxBodyBytesFor(4096)).toBe(16 * 4096 + 2 ** 20);
    const ids = Array.from({ length: 300_000 }, (_, i) => i % 32000);
    const res = await post(`${url}/v1/completions`, { prompt: ids, max_tokens: 1 });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('request_too_large');
    expect(body.error.message).toMatch(/request body over 1114112 bytes: more than any prompt within this model's maximum context length of 4096 tokens needs/);
    // A prompt that fits in the context is still served.
    const ok = await post(`${url}/v1/completions`, { prompt: ids.slice(0, 4000), max_tokens: 1 });
    expect(ok.status).toBe(200);
  });
});
