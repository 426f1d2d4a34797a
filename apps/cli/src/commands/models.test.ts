import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

async function json(args: string[]) {
  const t = createTestIo();
  const code = await main(args, t.io);
  return { code, value: code === 0 ? JSON.parse(t.stdout) : undefined, stderr: t.stderr };
}

describe('llm-sim models and xpus', () => {
  it('lists every catalog model with its Hugging Face id, precision and the config.json it comes from', async () => {
    const { code, value } = await json(['models', '--json']);
    expect(code).toBe(0);
    const names = value.map((m: { name: string }) => m.name);
    for (const name of ['deepseek-v3', 'deepseek-r1', 'kimi-k2', 'qwen3-32b', 'qwen3-30b-a3b', 'qwen3-235b-a22b', 'gpt-oss-20b', 'gpt-oss-120b', 'llama-4-scout', 'llama-4-maverick', 'gemma-3-27b']) {
      expect(names).toContain(name);
    }
    for (const m of value) expect(m.source).toBe(`https://huggingface.co/${m.huggingface_id}/blob/main/config.json`);
    expect(value.find((m: { name: string }) => m.name === 'deepseek-v3')).toMatchObject({ attention: 'mla', precision: 'fp8', kv_cache_bytes_per_token: 70272 });
    expect(value.find((m: { name: string }) => m.name === 'gpt-oss-120b')).toMatchObject({ attention: 'gqa, 18/36 layers sliding 128', precision: 'bf16, experts mxfp4' });
    const t = createTestIo();
    expect(await main(['models'], t.io)).toBe(0);
    expect(t.stdout).toMatch(/gemma-3-27b .*google\/gemma-3-27b-it .*gqa, 52\/62 layers sliding 1024 .*https:\/\/huggingface\.co\/google\/gemma-3-27b-it\/blob\/main\/config\.json/);
  });

  it('lists every xpu with a vendor source link', async () => {
    const { code, value } = await json(['xpus', '--json']);
    expect(code).toBe(0);
    for (const x of value) expect(x.source[0]).toMatch(/^https:\/\//);
  });

  it('takes every catalog model by its Hugging Face id for --model', async () => {
    const { value: models } = await json(['models', '--json']);
    for (const m of models as { name: string; huggingface_id: string; num_attention_heads: number }[]) {
      // A tensor-parallel size the heads divide, on an xpu with room for the largest (Kimi-K2: 1.03T in fp8).
      const tp = [8, 4, 2, 1].find((d) => m.num_attention_heads % d === 0)!;
      const { code, value, stderr } = await json(['step', '--model', m.huggingface_id, '--xpu', 'b200', '--tp', String(tp), '--phase', 'decode', '--batch-size', '4', '--context-len', '1024', '--json']);
      expect(stderr, m.huggingface_id).toBe('');
      expect(code, m.huggingface_id).toBe(0);
      expect(value.model).toBe(m.name);
      expect(value.total_ms).toBeGreaterThan(0);
    }
  });
});
