import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getModel, listModels, type CatalogModelName, type ModelNameOrAlias } from './model-catalog.ts';
import { getXpu, type XpuNameOrAlias } from './xpu-catalog.ts';
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

describe('models people deploy now (published config.json values)', () => {
  it('counts Qwen3 dense with its q/k norms: Qwen3-8B 8,190,735,360 and Qwen3-32B 32,762,123,264', () => {
    expect(countParameters(getModel('qwen3-8b')).total).toBe(8_190_735_360);
    expect(countParameters(getModel('Qwen/Qwen3-32B')).total).toBe(32_762_123_264);
  });
  it('counts Qwen3-MoE: 30B-A3B is 30.5B with 3.3B active, 235B-A22B is 235.1B with 22.2B active (no shared expert)', () => {
    const small = countParameters(getModel('qwen3-30b-a3b'));
    expect(small).toEqual({ total: 30_532_122_624, active: 3_353_032_704 });
    const large = countParameters(getModel('qwen3-235b-a22b'));
    expect(large).toEqual({ total: 235_093_634_560, active: 22_190_763_520 });
    expect(getModel('qwen3-30b-a3b')).toMatchObject({ numExperts: 128, numExpertsPerToken: 8, numSharedExperts: 0, firstDenseLayers: 0 });
  });
  it('counts DeepSeek-V3 (and R1, the same architecture) at 671.0B, 37.6B active of which 0.93B is the input embedding', () => {
    const v3 = getModel('deepseek-v3');
    const { total, active } = countParameters(v3);
    expect(total).toBe(671_026_419_200);
    // DeepSeek's README: 671B total, 37B activated; its weight notes: 36.7B activated besides the embedding.
    expect(total / 1e9).toBeCloseTo(671, 0);
    expect((active - 129280 * 7168) / 1e9).toBeCloseTo(36.6, 1);
    expect(countParameters(getModel('deepseek-r1'))).toEqual({ total, active });
    expect(v3).toMatchObject({
      kvLoraRank: 512, qLoraRank: 1536, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128,
      numExperts: 256, numExpertsPerToken: 8, numSharedExperts: 1, firstDenseLayers: 3, weightsDtype: 'fp8', routerBias: true,
    });
  });
  it('counts Kimi-K2 at 1.03T with 32.9B active (384 experts, 64 heads, one dense layer)', () => {
    const { total, active } = countParameters(getModel('moonshotai/Kimi-K2-Instruct'));
    expect(total).toBe(1_026_408_232_448);
    expect(active).toBe(32_861_500_928);
  });
  it('counts gpt-oss as its model card does: 116.83B / 5.13B and 20.91B / 3.61B (active without the input embedding)', () => {
    const embedding = 201088 * 2880;
    const big = countParameters(getModel('openai/gpt-oss-120b'));
    expect(big.total).toBe(116_829_156_672);
    expect((big.active - embedding) / 1e9).toBeCloseTo(5.13, 2);
    const small = countParameters(getModel('gpt-oss-20b'));
    expect(small.total).toBe(20_914_757_184);
    expect((small.active - embedding) / 1e9).toBeCloseTo(3.61, 2);
    expect(getModel('gpt-oss-120b')).toMatchObject({
      attentionSinks: true, outputBias: true, expertBias: true, windowedLayers: 18, attentionWindow: 128, windowKind: 'sliding',
      weightsDtype: 'bf16', expertWeightsDtype: 'mxfp4',
    });
  });
  it('counts Llama 4 language models: Scout 107.8B and Maverick 400.7B, 17.2B active each (one routed plus one shared expert)', () => {
    const scout = countParameters(getModel('llama-4-scout'));
    expect(scout).toEqual({ total: 107_769_861_120, active: 17_172_894_720 });
    const maverick = countParameters(getModel('meta-llama/Llama-4-Maverick-17B-128E-Instruct'));
    expect(maverick).toEqual({ total: 400_711_848_960, active: 17_184_691_200 });
    // Maverick alternates dense (intermediate_size_mlp 16384) and MoE layers; every 4th layer is a global NoPE one.
    expect(moeLayerCount(getModel('llama-4-maverick'))).toBe(24);
    expect(getModel('llama-4-scout')).toMatchObject({ windowedLayers: 36, attentionWindow: 8192, windowKind: 'chunked', intermediateSize: 16384 });
  });
  it('counts Gemma 3 27B text at 27.0B, 25,600M outside the tied embedding as the Gemma 3 report says', () => {
    const gemma = getModel('google/gemma-3-27b-it');
    const { total } = countParameters(gemma);
    expect(total).toBe(27_009_346_304);
    expect(Math.round((total - 262208 * 5376) / 1e6)).toBe(25_600);
    expect(gemma).toMatchObject({ windowedLayers: 52, attentionWindow: 1024, normsPerLayer: 4, qkNorm: true, tieWordEmbeddings: true });
  });
  it('resolves every catalog model by its Hugging Face id, in any case', () => {
    for (const entry of listModels()) {
      expect(getModel(entry.huggingFaceId).name).toBe(entry.name);
      expect(getModel(entry.huggingFaceId.toUpperCase()).name).toBe(entry.name);
    }
  });
  it('stores MLA\'s compressed latent per token: 61 layers x (512 + 64) bf16 = 70,272 bytes for DeepSeek-V3, 1/25 of full MHA', () => {
    const v3 = getModel('deepseek-v3');
    expect(kvCacheBytesPerToken(v3)).toBe(61 * 576 * 2);
    const mha = 2 * 61 * 128 * (128 + 64) * 2;
    expect(mha / kvCacheBytesPerToken(v3)).toBeGreaterThan(25);
  });
});

describe('parseHuggingFaceConfig: families', () => {
  it('reads a multimodal config (text_config nested, tying at the top level) as its language model', () => {
    const gemma = {
      architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3',
      text_config: { model_type: 'gemma3_text', hidden_size: 5376, num_hidden_layers: 62, num_attention_heads: 32, num_key_value_heads: 16, head_dim: 128, intermediate_size: 21504, vocab_size: 262208, sliding_window: 1024 },
      vision_config: { hidden_size: 1152 },
    };
    const spec = parseHuggingFaceConfig(gemma, 'gemma-from-file');
    expect(countParameters(spec).total).toBe(countParameters(getModel('gemma-3-27b')).total);
  });
  it('refuses an architecture it does not model, with the supported list', () => {
    expect(() => parseHuggingFaceConfig({ model_type: 'mamba', hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 1, intermediate_size: 8, vocab_size: 8 }, 'ssm')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/model_type 'mamba' is not supported; supported: llama, .*deepseek_v3.*gpt_oss/) }),
    );
  });
  it('refuses an OPT config.json (ffn_dim, no intermediate_size) as not supported rather than by its missing keys', () => {
    // facebook/opt-125m's published config.json (the keys that matter): what vllm bench runs default to.
    const opt = {
      architectures: ['OPTForCausalLM'], model_type: 'opt', hidden_size: 768, ffn_dim: 3072, num_attention_heads: 12, num_hidden_layers: 12,
      max_position_embeddings: 2048, vocab_size: 50272, word_embed_proj_dim: 768, do_layer_norm_before: true, torch_dtype: 'float16',
    };
    expect(() => parseHuggingFaceConfig(opt, 'opt-125m')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringMatching(/^model config 'opt-125m': model_type 'opt' is not supported; supported: llama, /) }),
    );
    const { model_type: _, ...untyped } = opt;
    expect(() => parseHuggingFaceConfig(untyped, 'opt-125m')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_ARCHITECTURE', message: expect.stringContaining('a config with ffn_dim and no model_type is not supported') }),
    );
  });
  it('treats sliding_window as off when use_sliding_window is false (Qwen2 configs carry both)', () => {
    const qwen = fixture('qwen2.5-7b-instruct.config.json') as Record<string, unknown>;
    expect(parseHuggingFaceConfig(qwen, 'q').windowedLayers).toBe(0);
    expect(parseHuggingFaceConfig({ ...qwen, model_type: 'mistral', use_sliding_window: undefined, sliding_window: 4096 }, 'm')).toMatchObject({ windowedLayers: 28, attentionWindow: 4096 });
  });
});

describe('catalog names as types', () => {
  it('gives editors the names and aliases, and still takes any string', () => {
    // These lines compile only while the literal unions hold the catalog's names and aliases.
    const byName: CatalogModelName = 'llama-3.1-8b';
    const byHfId: ModelNameOrAlias = 'meta-llama/Llama-3.1-8B';
    const xpuAlias: XpuNameOrAlias = 'h100';
    expect(getModel(byName).name).toBe('llama-3.1-8b');
    expect(getModel(byHfId).name).toBe('llama-3.1-8b');
    expect(getXpu(xpuAlias).name).toBe('h100-sxm');
    const typedAtRunTime: string = 'no-such-model';
    expect(() => getModel(typedAtRunTime)).toThrow(/unknown model 'no-such-model'; known: /);
  });
});
