import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getModel, listModels } from './model-catalog.ts';
import { countParameters, kvCacheBytesPerToken, moeLayerCount, parseHuggingFaceConfig } from './model-spec.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));

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
  it('counts Mixtral-8x22B at the published 141B total and 39B active', () => {
    const { total, active } = countParameters(getModel('mixtral-8x22b'));
    expect(total / 1e9).toBeCloseTo(140.6, 0);
    expect(active / 1e9).toBeCloseTo(39.2, 0);
  });
  it('counts Llama-3.1-405B at 405.9B (the model card rounds to 405B)', () => {
    expect(countParameters(getModel('llama-3.1-405b')).total).toBe(405_853_388_800);
  });
  it('finds models by alias and ignores case', () => {
    expect(getModel('Llama-3.1-70B').name).toBe('llama-3.1-70b');
    expect(getModel('mixtral-8x7b-v0.1').huggingFaceId).toBe('mistralai/Mixtral-8x7B-v0.1');
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
    const spec = parseHuggingFaceConfig(fixture('qwen2.5-7b-instruct.config.json'), 'qwen-from-file');
    expect(spec.headDim).toBe(128);
    expect(spec.attentionBias).toBe(true);
    expect(countParameters(spec).total).toBe(7_615_616_512);
  });
  it('reads a Qwen-MoE config.json: 60 routed experts, top-4, a shared expert; 14.3B total and 2.7B active', () => {
    const spec = parseHuggingFaceConfig(fixture('qwen1.5-moe-a2.7b.config.json'), 'qwen-moe');
    expect(spec).toMatchObject({ numExperts: 60, numExpertsPerToken: 4, moeIntermediateSize: 1408, numSharedExperts: 1, sharedExpertIntermediateSize: 5632 });
    const { total, active } = countParameters(spec);
    // Qwen's announcement: 14.3B parameters, 2.7B activated (2.0B of them outside the embeddings).
    expect(total / 1e9).toBeCloseTo(14.3, 1);
    expect(active / 1e9).toBeCloseTo(2.7, 1);
    expect((active - 2 * 151936 * 2048) / 1e9).toBeCloseTo(2.0, 0);
    expect(spec).toEqual({ ...getModel('qwen1.5-moe-a2.7b'), name: 'qwen-moe', huggingFaceId: undefined });
  });
  it('reads a DeepSeek-V2 config.json: routed and shared experts, first dense layer', () => {
    const spec = parseHuggingFaceConfig(fixture('deepseek-v2-lite.config.json'), 'deepseek-v2-lite');
    expect(spec).toMatchObject({
      architecture: 'deepseek_v2',
      numExperts: 64,
      numExpertsPerToken: 6,
      moeIntermediateSize: 1408,
      numSharedExperts: 2,
      sharedExpertIntermediateSize: 2 * 1408,
      firstDenseLayers: 1,
      intermediateSize: 10944,
    });
    expect(moeLayerCount(spec)).toBe(26);
  });
  it('defaults num_key_value_heads to the attention heads and head_dim to hidden / heads (Llama-2-7B style)', () => {
    const spec = parseHuggingFaceConfig(
      { hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, intermediate_size: 11008, vocab_size: 32000 },
      'llama-2-7b-like',
    );
    expect(spec.numKeyValueHeads).toBe(32);
    expect(spec.headDim).toBe(128);
    expect(countParameters(spec).total).toBe(6_738_415_616);
  });
  it('names the missing key of a malformed config', () => {
    expect(() => parseHuggingFaceConfig({ hidden_size: 4096, num_hidden_layers: 32 }, 'broken')).toThrow(
      /broken.*num_attention_heads/,
    );
    expect(() => parseHuggingFaceConfig({ hidden_size: -1 }, 'neg')).toThrow(/hidden_size/);
    expect(() => parseHuggingFaceConfig('not an object', 'text')).toThrow(expect.objectContaining({ code: 'INVALID_MODEL_CONFIG' }));
    const qwen = fixture('qwen2.5-7b-instruct.config.json') as Record<string, unknown>;
    expect(() => parseHuggingFaceConfig({ ...qwen, num_key_value_heads: 5 }, 'odd-kv')).toThrow(/num_key_value_heads \(5\)/);
    expect(() => parseHuggingFaceConfig({ ...qwen, vocab_size: '152064' }, 'string-vocab')).toThrow(/vocab_size/);
  });
});
