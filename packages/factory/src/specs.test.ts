import { readFile } from 'node:fs/promises';
import { listModels } from '@llm-sim/roofline';
import { describe, expect, it } from 'vitest';
import type { ReadTextFile } from './file-access.ts';
import { resolveModel } from './specs.ts';

const qwenConfig = readFile(new URL('../../roofline/src/__fixtures__/qwen2.5-7b-instruct.config.json', import.meta.url), 'utf8');

/** A reader over an in-memory tree, as the CLI's would be over the disk. */
function readerOf(files: Record<string, string>, hubCache?: string): ReadTextFile {
  const read = async (path: string) => {
    if (path in files) return files[path]!;
    throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  };
  return Object.assign(read, hubCache ? { huggingFaceHubCache: hubCache } : {});
}

describe('resolveModel', () => {
  it('resolves every catalog model by its Hugging Face id without touching the disk', async () => {
    const read = readerOf({});
    for (const entry of listModels()) {
      expect((await resolveModel(entry.huggingFaceId, read)).name).toBe(entry.name);
    }
  });

  it('finds an uncatalogued Hugging Face id in the local Hub cache (refs/main names the snapshot)', async () => {
    const hub = '/home/u/.cache/huggingface/hub';
    const repo = `${hub}/models--Qwen--Qwen2.5-7B-Instruct`;
    const read = readerOf({ [`${repo}/refs/main`]: 'a09a3545\n', [`${repo}/snapshots/a09a3545/config.json`]: await qwenConfig }, hub);
    const spec = await resolveModel('Qwen/Qwen2.5-7B-Instruct', read);
    expect(spec).toMatchObject({ name: 'Qwen2.5-7B-Instruct', huggingFaceId: 'Qwen/Qwen2.5-7B-Instruct', architecture: 'qwen2', hiddenSize: 3584 });
  });

  it('reads a model directory that holds a config.json, or the file itself', async () => {
    const read = readerOf({ 'models/qwen/config.json': await qwenConfig });
    expect((await resolveModel('models/qwen', read)).hiddenSize).toBe(3584);
    expect((await resolveModel('models/qwen/config.json', read)).name).toBe('custom-model');
  });

  it('says where it looked for a Hugging Face id it cannot find', async () => {
    const read = readerOf({}, '/cache/hub');
    await expect(resolveModel('acme/unknown-7b', read)).rejects.toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_MODEL',
        message: expect.stringMatching(/unknown model 'acme\/unknown-7b': not in the catalog, no config.json at that path, nor in the Hugging Face cache \/cache\/hub .*catalog Hugging Face ids: meta-llama\/Llama-2-7b-hf/),
      }),
    );
  });

  it('refuses a config.json of an architecture the roofline does not model, with the supported list', async () => {
    const read = readerOf({ 'mamba/config.json': JSON.stringify({ model_type: 'mamba', hidden_size: 768, num_hidden_layers: 24, num_attention_heads: 12, intermediate_size: 1536, vocab_size: 50280 }) });
    await expect(resolveModel('mamba/config.json', read)).rejects.toThrow(/model_type 'mamba' is not supported; supported: llama, mistral/);
  });
});
