import { readFile } from 'node:fs/promises';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from './serve.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');

/**
 * `llm-sim serve` (Llama-3.1-8B on an H100, the roofline as a simulation wires it) driven by the official
 * OpenAI Node SDK over real HTTP on 127.0.0.1: streamed and not, chat, completions and responses, stop
 * strings. No client may see its first token before the prefill step that produces it could have ended.
 */
describe('llm-sim serve with the OpenAI Node SDK', () => {
  let emulator: RunningEmulator;
  let client: OpenAI;
  let model: string;
  /** Seconds of the one-step prefill of a prompt of this many tokens: the least TTFT the server may give it. */
  let prefillSeconds: (promptTokens: number) => number;
  const ttfts: { promptTokens: number; ttftMs: number }[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, readTextFile });
    client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: 'none', maxRetries: 0 });
    model = emulator.servedModelName;
    const performanceModel = emulator.setup.performanceModel;
    prefillSeconds = (p) =>
      performanceModel.stepSeconds({ prefillSequences: 1, prefillTokens: p, prefillCachedTokens: 0, prefillAttentionPairs: (p * (p + 1)) / 2, decodeSequences: 0, decodeCachedTokens: 0 });
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('lists and retrieves the served model with the context its KV cache holds', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['meta-llama/Llama-3.1-8B']);
    const card = (await client.models.retrieve(model)) as OpenAI.Models.Model & { max_model_len: number };
    expect(card.id).toBe(model);
    expect(card.max_model_len).toBe(emulator.maxModelLen);
  });

  it('answers a chat, not streamed, no sooner than its prefill step', async () => {
    const sent = performance.now();
    const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello in five words.' }], max_completion_tokens: 5 });
    ttfts.push({ promptTokens: chat.usage!.prompt_tokens, ttftMs: performance.now() - sent });
    expect(chat.choices[0].message.content).toBe(' tok'.repeat(5));
    expect(chat.choices[0].finish_reason).toBe('length');
    expect(chat.usage!.completion_tokens).toBe(5);
  });

  it('streams a chat with usage, every TTFT at least one prefill step', async () => {
    for (let i = 0; i < 20; i++) {
      const sent = performance.now();
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: `request ${i}: ${'word '.repeat(i * 40)}` }],
        max_tokens: 3,
        stream: true,
        stream_options: { include_usage: true },
      });
      let firstTokenMs: number | undefined;
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta.content;
        if (content) {
          firstTokenMs ??= performance.now() - sent;
          text += content;
        }
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(' tok tok tok');
      ttfts.push({ promptTokens: usage!.prompt_tokens, ttftMs: firstTokenMs! });
    }
  });

  it('stops completions and chats at stop strings, streamed and not', async () => {
    const completion = await client.completions.create({ model, prompt: 'Count: one two', max_tokens: 50, stop: ['tok tok'] });
    expect(completion.choices[0].text).toBe(' ');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage!.completion_tokens).toBe(2);

    const sent = performance.now();
    const stream = await client.completions.create({ model, prompt: [1, 2, 3, 4, 5, 6, 7, 8], max_tokens: 50, stop: 'k tok t', stream: true });
    let text = '';
    let finish: string | null = null;
    let firstMs: number | undefined;
    for await (const chunk of stream) {
      firstMs ??= performance.now() - sent;
      text += chunk.choices[0].text;
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    ttfts.push({ promptTokens: 8, ttftMs: firstMs! });
    expect(text).toBe(' to');
    expect(finish).toBe('stop');

    const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stop: [' tok tok tok'], stream: true });
    let reply = '';
    let chatFinish: string | null = null;
    for await (const chunk of chat) {
      reply += chunk.choices[0]?.delta.content ?? '';
      chatFinish = chunk.choices[0]?.finish_reason ?? chatFinish;
    }
    expect(reply).toBe('');
    expect(chatFinish).toBe('stop');
  });

  it('ends a chat without a limit at its end-of-sequence token', async () => {
    const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Tell me a short story.' }], n: 2 });
    expect(chat.choices.map((c) => c.index)).toEqual([0, 1]);
    for (const choice of chat.choices) expect(choice.finish_reason).toBe('stop');
    // The Azure conversation trace's replies run to at most 1,000 tokens.
    expect(chat.usage!.completion_tokens).toBeLessThanOrEqual(2000);
  }, 60_000);

  it('answers the Responses API, created and streamed', async () => {
    const response = await client.responses.create({ model, input: 'Write one line.', max_output_tokens: 4 });
    expect(response.output_text).toBe(' tok'.repeat(4));
    expect(response.usage!.output_tokens).toBe(4);

    const sent = performance.now();
    // No limit: the reply ends at its EOS token, and the stream with `response.completed`.
    const stream = client.responses.stream({ model, input: [{ role: 'user', content: 'Write two lines.' }] });
    let firstMs: number | undefined;
    stream.on('response.output_text.delta', () => {
      firstMs ??= performance.now() - sent;
    });
    const final = await stream.finalResponse();
    // The SDK adds `output_text` to created responses only; a streamed one keeps its message items.
    const message = final.output[0] as OpenAI.Responses.ResponseOutputMessage;
    expect(final.status).toBe('completed');
    expect(message.content).toEqual([expect.objectContaining({ type: 'output_text', text: ' tok'.repeat(final.usage!.output_tokens - 1) })]);
    ttfts.push({ promptTokens: final.usage!.input_tokens, ttftMs: firstMs! });
  });

  it('refuses embeddings as vLLM does for a generative model', async () => {
    await expect(client.embeddings.create({ model, input: 'hello' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/does not support Embeddings API/) });
  });

  it('gave no client a TTFT below its prefill step, and recorded none on the server', async () => {
    expect(ttfts.length).toBeGreaterThanOrEqual(23);
    // Timers never fire early; 1 ms allows for their rounding.
    for (const { promptTokens, ttftMs } of ttfts) expect(ttftMs, `TTFT of a ${promptTokens}-token prompt`).toBeGreaterThanOrEqual(prefillSeconds(promptTokens) * 1000 - 1);
    const text = await (await fetch(`${emulator.url}/metrics`)).text();
    const sample = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)![1]);
    const count = sample('vllm:time_to_first_token_seconds_count');
    expect(count).toBeGreaterThanOrEqual(25);
    // Every prompt here has at least 2 tokens.
    expect(sample('vllm:time_to_first_token_seconds_sum') / count).toBeGreaterThanOrEqual(prefillSeconds(2));
    expect(Number(/^vllm:time_to_first_token_seconds_bucket\{[^}]*le="0\.001"\} (\S+)$/m.exec(text)![1])).toBe(0);
  });
});
