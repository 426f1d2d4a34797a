import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createConstantPerformanceModel, createRandom, type PerformanceModel } from '@llm-sim/simulator';
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
    // Replies that would run to 1000 tokens before their EOS: the default limit cuts them.
    const { url } = await start({ outputLength: { kind: 'fixed', value: 1000 } });
    const body: any = await (await post(`${url}/v1/completions`, { prompt: 'hello' })).json();
    expect(body.usage).toEqual({ prompt_tokens: 2, completion_tokens: 16, total_tokens: 18 });
    expect(body.choices[0].finish_reason).toBe('length');
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
    // The last token cannot come before the prefill and ten decode steps, however late the first was read
    // (a late first read shortens the gaps after it, so their mean has no lower bound of its own).
    expect(tokens[10].atMs - sentMs).toBeGreaterThanOrEqual(70 + 10 * 20 - 1);
    const meanGapMs = (tokens[10].atMs - tokens[0].atMs) / 10;
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
    ['n = 0', 'POST', '/v1/completions', { prompt: 'hi', n: 0 }, 400, 'n'],
    ['n over max_num_seqs', 'POST', '/v1/completions', { prompt: 'hi', n: 257 }, 400, 'n'],
    ['stream_options without stream (as vLLM)', 'POST', '/v1/completions', { prompt: 'hi', stream_options: { include_usage: true } }, 400, 'stream_options'],
    ['a chat with stream_options and stream false', 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], stream: false, stream_options: {} }, 400, 'stream_options'],
    ['logprobs over vLLM\'s max_logprobs', 'POST', '/v1/completions', { prompt: 'hi', logprobs: 21 }, 400, 'logprobs'],
    ['top_logprobs without logprobs', 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], top_logprobs: 2 }, 400, 'top_logprobs'],
    ['min_tokens over max_tokens (as vLLM)', 'POST', '/v1/completions', { prompt: 'hi', max_tokens: 3, min_tokens: 4 }, 400, 'min_tokens'],
    ['an empty prompt in a batch', 'POST', '/v1/completions', { prompt: ['hi', ''] }, 400, 'prompt.1'],
    ['a responses call without input', 'POST', '/v1/responses', { max_output_tokens: 3 }, 400, 'input'],
    ['a responses call that continues a stored response', 'POST', '/v1/responses', { input: 'hi', previous_response_id: 'resp_1' }, 404, 'previous_response_id'],
    ['an unknown model id', 'GET', '/v1/models/gpt-4', undefined, 404, 'model'],
    ['a prompt longer than max_model_len', 'POST', '/v1/completions', { prompt: 'x'.repeat(4 * 5000) }, 400, 'prompt'],
    ['prompt + max_tokens over max_model_len', 'POST', '/v1/completions', { prompt: 'x'.repeat(4 * 4000), max_tokens: 100 }, 400, 'max_tokens'],
    ['an unknown model', 'POST', '/v1/completions', { model: 'gpt-4', prompt: 'hi' }, 404, 'model'],
    ['an unknown route', 'GET', '/v1/audio/transcriptions', undefined, 404, null],
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

describe('emulator server: end of sequence', () => {
  const chat = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });

  it('ends a reply without a token limit at an EOS drawn from the output-length distribution', async () => {
    const { url } = await start({ outputLength: { kind: 'fixed', value: 5 } });
    const body: any = await (await post(`${url}/v1/chat/completions`, chat('hello'))).json();
    // Five tokens, the last of them the EOS token, which adds no text.
    expect(body.usage.completion_tokens).toBe(5);
    expect(body.choices[0]).toMatchObject({ message: { role: 'assistant', content: ' tok tok tok tok' }, finish_reason: 'stop', stop_reason: null });
    const events = await readEvents(await post(`${url}/v1/chat/completions`, chat('hello', { stream: true })));
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.map((c) => c.choices[0].delta.content).join('')).toBe(' tok tok tok tok');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('serves a limit the client names in full, and ignores EOS when asked (vllm bench --ignore-eos)', async () => {
    // A 64-token context and 1 ms steps: running to the context's end is quick.
    const fast = createConstantPerformanceModel({ stepOverheadSeconds: 0.001, prefillSecondsPerToken: 0, decodeSecondsPerStep: 0 });
    const { url } = await start({ performanceModel: fast, maxModelLen: 64, outputLength: { kind: 'fixed', value: 5 } });
    const limited: any = await (await post(`${url}/v1/completions`, { prompt: 'hello', max_tokens: 12 })).json();
    expect(limited.usage.completion_tokens).toBe(12);
    expect(limited.choices[0].finish_reason).toBe('length');
    // "user: hello" is 3 tokens: without EOS a chat runs to the 64-token context's end.
    const ignoring: any = await (await post(`${url}/v1/chat/completions`, chat('hello', { ignore_eos: true }))).json();
    expect(ignoring.usage).toEqual({ prompt_tokens: 3, completion_tokens: 61, total_tokens: 64 });
    expect(ignoring.choices[0].finish_reason).toBe('length');
  });

  it('draws the same lengths from the same seed, by default from real chat replies', async () => {
    const lengths = async (seed: number) => {
      const { url } = await start({ random: createRandom(seed), performanceModel: createConstantPerformanceModel({ stepOverheadSeconds: 1e-4, prefillSecondsPerToken: 0, decodeSecondsPerStep: 0 }) });
      const bodies: any[] = await Promise.all(Array.from({ length: 8 }, () => post(`${url}/v1/chat/completions`, chat('hi')).then((r) => r.json())));
      return bodies.map((b) => b.usage.completion_tokens as number).sort((a, b) => a - b);
    };
    const first = await lengths(7);
    expect(await lengths(7)).toEqual(first);
    // Azure's conversation replies run from 7 to 1000 tokens.
    for (const n of first) {
      expect(n).toBeGreaterThanOrEqual(7);
      expect(n).toBeLessThanOrEqual(1000);
    }
  }, 60_000);
});

describe('emulator server: stop strings, n, batches and logprobs', () => {
  it('stops at a stop string, leaves it out of the text and says which one matched', async () => {
    const { url } = await start();
    // " tok tok" holds "tok tok" from the second token on: the text before it is one space.
    const body: any = await (await post(`${url}/v1/completions`, { prompt: 'hi', max_tokens: 10, stop: ['never', 'tok tok'] })).json();
    expect(body.choices[0]).toEqual({ index: 0, text: ' ', logprobs: null, finish_reason: 'stop', stop_reason: 'tok tok' });
    expect(body.usage.completion_tokens).toBe(2);
    const kept: any = await (await post(`${url}/v1/completions`, { prompt: 'hi', max_tokens: 10, stop: 'tok tok', include_stop_str_in_output: true })).json();
    expect(kept.choices[0].text).toBe(' tok tok');
    // A stop string the text never holds changes nothing.
    const none: any = await (await post(`${url}/v1/completions`, { prompt: 'hi', max_tokens: 3, stop: ['xyz'] })).json();
    expect(none.choices[0]).toMatchObject({ text: ' tok tok tok', finish_reason: 'length', stop_reason: null });
  });

  it('never streams part of a stop string', async () => {
    const { url } = await start();
    const res = await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, stop: [' tok tok tok'], stream: true });
    const chunks = (await readEvents(res)).slice(0, -1).map((e) => JSON.parse(e.data));
    const deltas = chunks.slice(1).map((c) => c.choices[0].delta.content);
    // Three tokens, all held back (the stop string is 12 characters): the reply is empty.
    expect(deltas).toEqual(['', '', '']);
    expect(chunks.at(-1).choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: ' tok tok tok' });
  });

  it('answers n choices for each prompt of a batch, numbered as vLLM numbers them', async () => {
    const { url } = await start();
    const body: any = await (await post(`${url}/v1/completions`, { prompt: ['aaaa', 'b'.repeat(12)], n: 2, max_tokens: 2 })).json();
    expect(body.choices.map((c: any) => c.index)).toEqual([0, 1, 2, 3]);
    expect(body.choices.every((c: any) => c.text === ' tok tok')).toBe(true);
    // Each prompt counted once, every choice's tokens counted.
    expect(body.usage).toEqual({ prompt_tokens: 1 + 3, completion_tokens: 8, total_tokens: 12 });

    const res = await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], n: 3, max_tokens: 2, stream: true });
    const chunks = (await readEvents(res)).slice(0, -1).map((e) => JSON.parse(e.data));
    for (const index of [0, 1, 2]) {
      const mine = chunks.filter((c) => c.choices[0].index === index).map((c) => c.choices[0]);
      expect(mine.map((c) => c.delta)).toEqual([{ role: 'assistant', content: '' }, { content: ' tok' }, { content: ' tok' }]);
      expect(mine.at(-1).finish_reason).toBe('length');
    }
  });

  it('reports the log probability of every emitted token, in each API\'s shape', async () => {
    const { url } = await start();
    const completion: any = await (await post(`${url}/v1/completions`, { prompt: 'hi', max_tokens: 3, logprobs: 2 })).json();
    expect(completion.choices[0].logprobs).toEqual({
      text_offset: [0, 4, 8],
      token_logprobs: [0, 0, 0],
      tokens: [' tok', ' tok', ' tok'],
      top_logprobs: [{ ' tok': 0 }, { ' tok': 0 }, { ' tok': 0 }],
    });
    const chat: any = await (await post(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, logprobs: true, top_logprobs: 3 })).json();
    const entry = { token: ' tok', logprob: 0, bytes: [32, 116, 111, 107] };
    expect(chat.choices[0].logprobs).toEqual({ content: [{ ...entry, top_logprobs: [entry] }, { ...entry, top_logprobs: [entry] }] });
    const streamed = (await readEvents(await post(`${url}/v1/completions`, { prompt: 'hi', max_tokens: 2, logprobs: 0, stream: true }))).slice(0, -1);
    expect(streamed.map((e) => JSON.parse(e.data).choices[0].logprobs.tokens)).toEqual([[' tok'], [' tok']]);
  });
});

describe('emulator server: models, embeddings and the Responses API', () => {
  it('serves /v1/models/{id}, the id URL-encoded or not', async () => {
    const { url } = await start({ modelName: 'meta-llama/Llama-3.1-8B' });
    for (const path of ['/v1/models/meta-llama/Llama-3.1-8B', '/v1/models/meta-llama%2FLlama-3.1-8B']) {
      const card: any = await (await fetch(`${url}${path}`)).json();
      expect(card).toMatchObject({ id: 'meta-llama/Llama-3.1-8B', object: 'model', owned_by: 'vllm', max_model_len: 4096 });
    }
  });

  it('refuses embeddings exactly as vLLM does for a generative model', async () => {
    const { url } = await start();
    const res = await post(`${url}/v1/embeddings`, { model: 'llama-3.1-8b', input: 'hello' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { message: 'The model does not support Embeddings API', type: 'BadRequestError', param: null, code: 400 } });
  });

  it('answers a Responses API call with one output_text message and its usage', async () => {
    const { url } = await start();
    const body: any = await (
      await post(`${url}/v1/responses`, { model: 'llama-3.1-8b', instructions: 'be brief', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], max_output_tokens: 3 })
    ).json();
    expect(body).toMatchObject({ object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, model: 'llama-3.1-8b' });
    expect(body.output).toEqual([
      { id: expect.any(String), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: ' tok tok tok', annotations: [], logprobs: [] }] },
    ]);
    // "system: be brief\nuser: hi" is 25 characters: 7 tokens.
    expect(body.usage).toEqual({ input_tokens: 7, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 10 });
  });

  it('streams a response as OpenAI\'s named events, one text delta per token', async () => {
    const { url } = await start({ outputLength: { kind: 'fixed', value: 3 } });
    const res = await post(`${url}/v1/responses`, { input: 'hello there', stream: true });
    const text = await res.text();
    const events = text
      .trim()
      .split('\n\n')
      .map((block) => {
        const [eventLine, dataLine] = block.split('\n');
        const data = JSON.parse(dataLine.slice('data: '.length));
        expect(eventLine).toBe(`event: ${data.type}`);
        return data;
      });
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    // Two text tokens, then the EOS token.
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta)).toEqual([' tok', ' tok']);
    const done = events.at(-1);
    expect(done.response).toMatchObject({ status: 'completed', incomplete_details: null, usage: { input_tokens: 5, output_tokens: 3, total_tokens: 8 } });
    expect(done.response.output[0].content[0].text).toBe(' tok tok');
  });

  it('advertises no longer a context than its KV cache holds', async () => {
    // 10 blocks of 16 tokens: 160 tokens, whatever max_model_len was asked for.
    const { url, server } = await start({ kvCacheBlocks: 10, maxModelLen: 131072 });
    expect(server.maxModelLen).toBe(160);
    const models: any = await (await fetch(`${url}/v1/models`)).json();
    expect(models.data[0].max_model_len).toBe(160);
    const res = await post(`${url}/v1/completions`, { prompt: 'x'.repeat(4 * 150), max_tokens: 20 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/maximum context length is 160 tokens/);
  });
});

/**
 * What `promtool check metrics` checks of the text format, beyond each line's syntax: every sample belongs to a
 * family declared by HELP and TYPE before it, no series repeats, and each histogram's buckets rise with `le`,
 * never fall, and end at +Inf equal to `_count`.
 */
function checkExposition(text: string): void {
  const types = new Map<string, string>();
  const seen = new Set<string>();
  const buckets = new Map<string, { le: number; value: number }[]>();
  const counts = new Map<string, number>();
  for (const line of text.trim().split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      expect(types.has(type[1]), `family ${type[1]} declared twice`).toBe(false);
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const [series, value] = line.split(' ');
    expect(seen.has(series), `series ${series} repeated`).toBe(false);
    seen.add(series);
    const name = series.replace(/\{.*$/, '');
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(family), `${series} has no TYPE`).toBe(true);
    if (types.get(family) !== 'histogram') continue;
    const others = series.replace(/,?le="[^"]*"/, '').replace(/^[^{]*/, '');
    if (name.endsWith('_bucket')) {
      const le = /le="([^"]+)"/.exec(series)![1];
      const list = buckets.get(family + others) ?? [];
      list.push({ le: le === '+Inf' ? Infinity : Number(le), value: Number(value) });
      buckets.set(family + others, list);
    } else if (name.endsWith('_count')) counts.set(family + others, Number(value));
  }
  for (const [key, list] of buckets) {
    for (let i = 1; i < list.length; i++) {
      expect(list[i].le, key).toBeGreaterThan(list[i - 1].le);
      expect(list[i].value, key).toBeGreaterThanOrEqual(list[i - 1].value);
    }
    expect(list.at(-1)!.le, key).toBe(Infinity);
    expect(list.at(-1)!.value, key).toBe(counts.get(key));
  }
}

describe('emulator server: vLLM\'s histograms', () => {
  it('times each request\'s queue, prefill, decode and inference and each step\'s tokens, as vLLM does', async () => {
    const { url } = await start();
    // 100 prompt tokens: a 70 ms prefill step, then two 20 ms decode steps.
    await (await post(`${url}/v1/completions`, { prompt: 'x'.repeat(400), max_tokens: 3 })).json();
    const text = await (await fetch(`${url}/metrics`)).text();
    checkExposition(text);
    const m = parsePrometheus(text);
    const l = 'model_name="llama-3.1-8b"';
    const get = (name: string) => m.get(`${name}{${l}}`);
    // Token times are the steps' ideal ends, so the phases are exact whatever the machine's load (to the microsecond: the clock counts from 1970).
    expect(get('vllm:request_prefill_time_seconds_sum')).toBeCloseTo(0.07, 5);
    expect(get('vllm:request_decode_time_seconds_sum')).toBeCloseTo(0.04, 5);
    expect(get('vllm:request_inference_time_seconds_sum')).toBeCloseTo(0.11, 5);
    expect(get('vllm:request_queue_time_seconds_count')).toBe(1);
    expect(get('vllm:request_queue_time_seconds_sum')).toBeGreaterThanOrEqual(0);
    expect(get('vllm:inter_token_latency_seconds_count')).toBe(2);
    expect(get('vllm:inter_token_latency_seconds_sum')).toBeCloseTo(0.04, 5);
    expect(get('vllm:time_per_output_token_seconds_count')).toBe(2);
    expect(get('vllm:request_time_per_output_token_seconds_sum')).toBeCloseTo(0.02, 5);
    expect(get('vllm:request_prompt_tokens_sum')).toBe(100);
    expect(get('vllm:request_generation_tokens_sum')).toBe(3);
    expect(m.get(`vllm:request_prompt_tokens_bucket{${l},le="50.0"}`)).toBe(0);
    expect(m.get(`vllm:request_prompt_tokens_bucket{${l},le="100.0"}`)).toBe(1);
    // vLLM's 1-2-5 buckets stop at max_model_len (4096).
    expect(m.has(`vllm:request_prompt_tokens_bucket{${l},le="2000.0"}`)).toBe(true);
    expect(m.has(`vllm:request_prompt_tokens_bucket{${l},le="5000.0"}`)).toBe(false);
    // Steps: the prefill (100 prompt tokens and the first token), then one token each.
    expect(get('vllm:iteration_tokens_total_count')).toBe(3);
    expect(get('vllm:iteration_tokens_total_sum')).toBe(103);
    expect(get('vllm:request_params_n_sum')).toBe(1);
    expect(get('vllm:request_params_max_tokens_sum')).toBe(3);
    expect(get('vllm:request_max_num_generation_tokens_sum')).toBe(3);
    expect(get('vllm:prefix_cache_queries_total')).toBe(100);
    expect(get('vllm:prefix_cache_hits_total')).toBe(0);
    expect(
      m.get('vllm:cache_config_info{block_size="16",cache_dtype="auto",enable_prefix_caching="False",engine="0",gpu_memory_utilization="0.9",num_cpu_blocks="None",num_gpu_blocks="1000"}'),
    ).toBe(1);
  });

  it('counts a non-streamed request whose client went away as finished with reason abort', async () => {
    const { url, server } = await start();
    const controller = new AbortController();
    const pending = post(`${url}/v1/completions`, { prompt: 'hi', max_tokens: 1000 }, controller.signal).catch(() => undefined);
    for (let i = 0; i < 200 && server.engine.runningRequests === 0; i++) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await pending;
    for (let i = 0; i < 200 && server.engine.runningRequests > 0; i++) await new Promise((r) => setTimeout(r, 5));
    const m = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    expect(m.get('vllm:request_success_total{model_name="llama-3.1-8b",finished_reason="abort"}')).toBe(1);
    expect(server.engine.runningRequests).toBe(0);
  });
});
