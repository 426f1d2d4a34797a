import type { RunningEmulator } from '@llm-sim/factory';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../context.ts';
import { createTestIo } from '../test-io.ts';
import { serveCommand } from './serve.ts';

/** Runs `llm-sim serve` in-process; `whileServing` talks to the server, then it shuts down as on SIGINT. */
async function serve(argv: string[], whileServing: (emulator: RunningEmulator) => Promise<void>) {
  const t = createTestIo();
  const ctx: CliContext = { io: t.io };
  let served = false;
  await yargs(['serve', ...argv])
    .command(
      serveCommand(ctx, {
        waitForShutdown: async (emulator) => {
          served = true;
          await whileServing(emulator);
        },
      }),
    )
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .parseAsync();
  expect(served).toBe(true);
  return t;
}

describe('llm-sim serve', () => {
  it('prints the URL, serves completions for the Hugging Face name, and stops cleanly', async () => {
    let url = '';
    const t = await serve(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--port', '0', '--max-num-seqs', '64'], async (emulator) => {
      url = emulator.url;
      expect(emulator.server.engine.config.maxNumSeqs).toBe(64);
      const res = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'meta-llama/Llama-3.1-8B', prompt: 'hello world!', max_tokens: 3 }),
      });
      const body: any = await res.json();
      expect(body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    });
    expect(t.stdout).toContain(`Serving on ${url} `);
    expect(t.stdout).toMatch(/Emulating llama-3\.1-8b on h100-sxm \(tp=1, pp=1, vllm_roofline\) as 'meta-llama\/Llama-3\.1-8B'/);
    expect(t.stdout).toMatch(/max_model_len 131072/);
    expect(t.stdout.trim().endsWith('Stopped.')).toBe(true);
    // Closed: nothing listens any more.
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('prints one JSON line with --json', async () => {
    const t = await serve(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--port', '0', '--json', '--served-model-name', 'm'], async () => {});
    const info = JSON.parse(t.stdout);
    expect(info).toMatchObject({ served_model_name: 'm', model: 'llama-3.1-8b', xpu: 'h100-sxm', tp: 1, max_model_len: 131072, block_size: 16 });
  });

  it('ends replies without a limit after --eos-output-len tokens, and prints the context the KV cache holds', async () => {
    // At 0.3 of an H100 the KV cache cannot hold one 131,072-token request: vLLM (and serve) refuse to start without --max-model-len.
    await expect(serve(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--port', '0', '--gpu-memory-utilization', '0.3'], async () => {})).rejects.toThrow(
      /one request of max_model_len 131072 needs 16\.00 GiB of KV cache per device.*pass --max-model-len \d+ or less/,
    );
    const t = await serve(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--port', '0', '--eos-output-len', '4', '--gpu-memory-utilization', '0.3', '--max-model-len', '32768', '--json'], async (emulator) => {
      const res = await fetch(`${emulator.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body: any = await res.json();
      expect(body.usage.completion_tokens).toBe(4);
      expect(body.choices[0].finish_reason).toBe('stop');
    });
    const info = JSON.parse(t.stdout);
    expect(info.max_model_len).toBe(32768);
    expect(info.kv_cache_blocks * info.block_size).toBeGreaterThanOrEqual(32768);
  });

  it('refuses an --eos-output-len it cannot read', async () => {
    await expect(serve(['--model', 'llama-3.1-8b', '--xpu', 'h100', '--port', '0', '--eos-output-len', 'poisson:3'], async () => {})).rejects.toThrow(
      /--eos-output-len must be N, fixed:N, uniform:MIN:MAX, normal:MEAN:STD or a dataset \(sharegpt, arxiv, azure-conv-2023, azure-code-2023, mooncake-conversation, mooncake-synthetic\), got 'poisson:3'/,
    );
  });

  it('refuses to start without --model', async () => {
    await expect(serve(['--xpu', 'h100'], async () => {})).rejects.toThrow(/serve needs --model and --xpu/);
  });
});
