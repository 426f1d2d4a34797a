import { readFile } from 'node:fs/promises';
import { ManualClock } from '@llm-sim/emulator';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import { startEmulator } from './serve.ts';
import { setUpSimulation } from './simulation.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');

describe('startEmulator', () => {
  it('serves Llama-3.1-8B on an H100 with the simulation\'s memory plan and the published context length', async () => {
    const emulator = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, readTextFile });
    try {
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const expected = await setUpSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100' }), readTextFile);
      expect(emulator.server.engine.kvCacheBlocks).toBe(expected.kvCacheBlocksPerReplica);
      const models: any = await (await fetch(`${emulator.url}/v1/models`)).json();
      // vLLM serves the Hugging Face id; Llama 3.1's config.json has max_position_embeddings 131072.
      expect(models.data[0].id).toBe('meta-llama/Llama-3.1-8B');
      expect(models.data[0].max_model_len).toBe(131072);

      const sentMs = performance.now();
      const res = await fetch(`${emulator.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'meta-llama/Llama-3.1-8B', prompt: Array.from({ length: 2048 }, (_, i) => i), max_tokens: 4 }),
      });
      const body: any = await res.json();
      const elapsedMs = performance.now() - sentMs;
      expect(body.usage).toEqual({ prompt_tokens: 2048, completion_tokens: 4, total_tokens: 2052 });
      // One 2048-token prefill step and three decode steps, priced by the same roofline as a simulation.
      const model = expected.performanceModel;
      const prefill = model.stepSeconds({ prefillSequences: 1, prefillTokens: 2048, prefillCachedTokens: 0, prefillAttentionPairs: (2048 * 2049) / 2, decodeSequences: 0, decodeCachedTokens: 0 });
      const decodes = [2048, 2049, 2050].reduce(
        (sum, cached) => sum + model.stepSeconds({ prefillSequences: 0, prefillTokens: 0, prefillCachedTokens: 0, prefillAttentionPairs: 0, decodeSequences: 1, decodeCachedTokens: cached }),
        0,
      );
      expect(elapsedMs).toBeGreaterThanOrEqual((prefill + decodes) * 1000 - 1);
      // A busy machine makes the client late by an amount no fixed bound holds; half a second is plenty here.
      expect(elapsedMs).toBeLessThan((prefill + decodes) * 1000 + 500);
    } finally {
      await emulator.close();
    }
  });

  it('refuses, as vLLM does, a KV cache that cannot hold one request of the model\'s context, and serves the --max-model-len it suggests (#13 item 15, #12 item 9)', async () => {
    // A third of an H100 leaves Llama-3.1-8B a KV cache far shorter than its 131,072-token context: vLLM does not start.
    const refusal = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, gpuMemoryUtilization: 0.3, readTextFile }).then(
      () => undefined,
      (error: unknown) => error as Error & { code: string },
    );
    expect(refusal?.code).toBe('DOES_NOT_FIT');
    const suggested = Number(/pass --max-model-len (\d+) or less/.exec(refusal!.message)?.[1]);
    expect(refusal!.message).toMatch(/one request of max_model_len 131072 needs 16\.00 GiB of KV cache per device/);
    const emulator = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, gpuMemoryUtilization: 0.3, maxModelLen: suggested, readTextFile });
    try {
      const plan = emulator.setup.memoryPlan;
      const heldTokens = plan.kvCacheBlocks * plan.blockSize;
      expect(suggested).toBe(heldTokens);
      expect(emulator.maxModelLen).toBe(heldTokens);
      const models: any = await (await fetch(`${emulator.url}/v1/models`)).json();
      expect(models.data[0].max_model_len).toBe(heldTokens);
      // One token more than it advertises is refused as vLLM refuses it.
      const res = await fetch(`${emulator.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: [1, 2, 3], max_tokens: heldTokens - 3 + 1 }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.message).toMatch(new RegExp(`maximum context length is ${heldTokens} tokens`));
    } finally {
      await emulator.close();
    }
  });

  it('draws reply lengths from a shipped dataset: ShareGPT replies run longer than Azure chat replies', async () => {
    // A manual clock: the steps take no wall time, so 64 replies of hundreds of tokens end at once.
    const meanReply = async (outputLength?: 'sharegpt') => {
      const clock = new ManualClock(1e9);
      const emulator = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, outputLength, seed: 5, clock, readTextFile });
      try {
        const pending = fetch(`${emulator.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'Tell me about the sea.' }], n: 64 }),
        }).then((r) => r.json() as Promise<any>);
        while (emulator.server.engine.waitingRequests + emulator.server.engine.runningRequests === 0) await new Promise((r) => setTimeout(r, 5));
        clock.runAll();
        const body = await pending;
        expect(body.choices.every((c: any) => c.finish_reason === 'stop')).toBe(true);
        return body.usage.completion_tokens / 64;
      } finally {
        await emulator.close();
      }
    };
    // ShareGPT's replies (Llama-2 tokens): mean 439, median 415; Azure's conversation replies: mean 211, median 129.
    const sharegpt = await meanReply('sharegpt');
    const azure = await meanReply();
    expect(sharegpt).toBeGreaterThan(300);
    expect(sharegpt).toBeLessThan(600);
    expect(azure).toBeGreaterThan(120);
    expect(azure).toBeLessThan(300);
  });

  it('refuses a port already in use', async () => {
    const first = await startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port: 0, readTextFile });
    try {
      const port = Number(new URL(first.url).port);
      await expect(startEmulator({ model: 'llama-3.1-8b', xpu: 'h100', port, readTextFile })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
