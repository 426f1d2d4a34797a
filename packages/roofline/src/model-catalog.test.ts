import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getModel, listModels } from './model-catalog.ts';
import { countParameters, kvCacheBytesPerToken, parseHuggingFaceConfig } from './model-spec.ts';

describe('model catalog', () => {
  it('counts Llama-2-7B parameters exactly as published (6,738,415,616)', () => {
    expect(countParameters(getModel('llama-2-7b')).total).toBe(6_738_415_616);
  });
  it('knows llama-7b, the seeds name, as an alias of llama-2-7b', () => {
    expect(getModel('llama-7b')).toEqual(getModel('llama-2-7b'));
  });
  it('counts Llama-3.1-8B and Llama-3.1-70B parameters exactly', () => {
    expect(countParameters(getModel('llama-3.1-8b')).total).toBe(8_030_261_248);
    expect(countParameters(getModel('llama-3.1-70b')).total).toBe(70_553_706_496);
  });
  it('counts Mixtral-8x7B: 46.7B in all, 12.9B active per token', () => {
    const { total, active } = countParameters(getModel('mixtral-8x7b'));
    expect(total).toBe(46_702_792_704);
    expect(active).toBe(12_879_925_248);
  });
  it('counts Qwen2.5-7B with its q/k/v biases (7,615,616,512)', () => {
    expect(countParameters(getModel('qwen2.5-7b')).total).toBe(7_615_616_512);
  });
  it('sizes the KV cache per token from layers, KV heads and head_dim', () => {
    expect(kvCacheBytesPerToken(getModel('llama-2-7b'))).toBe(524_288);
    // Grouped-query attention: 8 KV heads of 128 over 80 layers.
    expect(kvCacheBytesPerToken(getModel('llama-3.1-70b'))).toBe(327_680);
    expect(kvCacheBytesPerToken(getModel('llama-3.1-70b'), 'fp8')).toBe(163_840);
    expect(getModel('llama-3.1-405b').headDim).toBe(128);
  });
  it('refuses an unknown model with the list of known ones', () => {
    expect(() => getModel('llama-9')).toThrow(/unknown model 'llama-9'; known: llama-2-7b, .*mixtral-8x7b/);
  });
  it('lists every catalog model with its Hugging Face id', () => {
    const names = listModels().map((m) => m.name);
    for (const name of ['llama-2-7b', 'llama-2-13b', 'llama-2-70b', 'llama-3.1-8b', 'llama-3.1-70b', 'llama-3.1-405b', 'mistral-7b', 'mixtral-8x7b', 'mixtral-8x22b', 'qwen2.5-7b', 'qwen2.5-72b']) {
      expect(names).toContain(name);
    }
    expect(listModels().every((m) => m.huggingFaceId.includes('/'))).toBe(true);
  });
});

describe('parseHuggingFaceConfig', () => {
  it('reads a real config.json (Qwen2.5-7B-Instruct) into the same architecture as the catalog', () => {
    const json = JSON.parse(readFileSync(new URL('./__fixtures__/qwen2.5-7b-instruct.config.json', import.meta.url), 'utf8'));
    const spec = parseHuggingFaceConfig(json, 'qwen-from-file');
    expect(spec.headDim).toBe(128);
    expect(spec.attentionBias).toBe(true);
    expect(countParameters(spec).total).toBe(7_615_616_512);
  });
  it('names the missing key of a malformed config', () => {
    expect(() => parseHuggingFaceConfig({ hidden_size: 4096, num_hidden_layers: 32 }, 'broken')).toThrow(
      /broken.*num_attention_heads/,
    );
    expect(() => parseHuggingFaceConfig({ hidden_size: -1 }, 'neg')).toThrow(/hidden_size/);
  });
});
