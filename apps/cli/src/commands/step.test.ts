import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

describe('llm-sim step', () => {
  it('prints a decode step of Llama-2-7B at batch 1 as JSON: memory-bound, every weight read once (spec-sheet roofline)', async () => {
    const t = createTestIo();
    const code = await main(['step', '--model', 'llama-7b', '--xpu', 'h100', '--phase', 'decode', '--context-len', '0', '--performance-model', 'roofline', '--json'], t.io);
    expect(code).toBe(0);
    const report = JSON.parse(t.stdout);
    expect(report.bound).toBe('memory');
    // 6.6 G non-embedding weights in bf16 at 3.35 TB/s: about 3.94 ms.
    expect(report.total_ms).toBeGreaterThan(3.9);
    expect(report.total_ms).toBeLessThan(4.0);
    expect(report.breakdown.map((o: { op: string }) => o.op)).toEqual(['embedding', 'qkv_proj', 'attention', 'o_proj', 'mlp', 'norm', 'lm_head']);
  });

  it('by default prices the step with the shipped H100 kernel calibration, slower than the spec sheet, and names the file', async () => {
    const t = createTestIo();
    expect(await main(['step', '--model', 'llama-7b', '--xpu', 'h100', '--phase', 'decode', '--context-len', '0', '--json'], t.io)).toBe(0);
    const report = JSON.parse(t.stdout);
    expect(report.performance_model).toBe('vllm_roofline');
    expect(report.performance_model_description).toContain('benchmark_data/calibration/h100-sxm/kernels.json');
    // Measured GEMMs stream weights below the 3.35 TB/s peak, and the engine adds its per-step overhead.
    expect(report.total_ms).toBeGreaterThan(3.94 * 1.2);
    expect(report.breakdown.map((o: { op: string }) => o.op)).toContain('overhead');
  });

  it('prints a readable table without --json, and adds communication at tp 4', async () => {
    const t = createTestIo();
    const code = await main(['step', '--model', 'llama-3.1-70b', '--xpu', 'h100', '--tp', '4', '--phase', 'prefill', '--input-len', '2048'], t.io);
    expect(code).toBe(0);
    expect(t.stdout).toMatch(/llama-3.1-70b on h100-sxm \(tp=4/);
    expect(t.stdout).toMatch(/communication/);
    expect(t.stdout).toMatch(/compute-bound/);
  });

  it('refuses a model that does not fit with how much it needs and has (exit 3)', async () => {
    const t = createTestIo();
    const code = await main(['step', '--model', 'llama-3.1-405b', '--xpu', 'h100', '--phase', 'decode', '--context-len', '10'], t.io);
    expect(code).toBe(3);
    expect(t.stderr).toMatch(/llama-3.1-405b does not fit on h100-sxm at tp=1 pp=1: it needs \d+\.\d GB per device .* but has 76\.4 GB/);
    expect(t.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown model or xpu with the list of known names (exit 2)', async () => {
    const t = createTestIo();
    expect(await main(['step', '--model', 'llama-9', '--xpu', 'h100', '--context-len', '1'], t.io)).toBe(2);
    expect(t.stderr).toMatch(/unknown model 'llama-9'; known: llama-2-7b/);
    const u = createTestIo();
    expect(await main(['step', '--model', 'llama-7b', '--xpu', 'h1000', '--context-len', '1'], u.io)).toBe(2);
    expect(u.stderr).toMatch(/unknown xpu 'h1000'; known: gb10, h100-sxm/);
  });

  it("prices DeepSeek-V3 as vLLM's DP8 + EP8 (--data-parallel-size 8 --enable-expert-parallel) with its all-to-alls", async () => {
    const t = createTestIo();
    const args = ['step', '--model', 'deepseek-ai/DeepSeek-V3', '--xpu', 'h200', '--data-parallel-size', '8', '--enable-expert-parallel', '--batch-size', '512', '--context-len', '4096'];
    expect(await main([...args, '--performance-model', 'roofline', '--json'], t.io)).toBe(0);
    const report = JSON.parse(t.stdout);
    expect(report).toMatchObject({ model: 'deepseek-v3', tp: 1, dp: 8, ep: 8 });
    expect(report.breakdown.map((o: { op: string }) => o.op)).toContain('all_to_all');
    const u = createTestIo();
    expect(await main(args, u.io)).toBe(0);
    expect(u.stdout).toMatch(/deepseek-v3 on h200 \(tp=1, pp=1, dp=8, ep=8, vllm_roofline\)/);
    const v = createTestIo();
    expect(await main(['step', '--model', 'deepseek-v3', '--xpu', 'h200', '--tp', '8', '--ep', '3', '--context-len', '1'], v.io)).toBe(2);
    expect(v.stderr).toMatch(/ep=3 does not divide deepseek-v3's 256 experts/);
  });

  it('reads a real config.json by path', async () => {
    const t = createTestIo();
    const fixture = new URL('../../../../packages/roofline/src/__fixtures__/qwen2.5-7b-instruct.config.json', import.meta.url).pathname;
    expect(await main(['step', '--model', fixture, '--xpu', 'l40s', '--phase', 'decode', '--context-len', '100', '--json'], t.io)).toBe(0);
    expect(JSON.parse(t.stdout).model).toBe('qwen2.5-7b-instruct.config');
  });
});

describe('llm-sim models and xpus', () => {
  it('lists models with exact parameter counts and KV bytes per token', async () => {
    const t = createTestIo();
    expect(await main(['models', '--json'], t.io)).toBe(0);
    const models = JSON.parse(t.stdout);
    const llama = models.find((m: { name: string }) => m.name === 'llama-2-7b');
    expect(llama.aliases).toContain('llama-7b');
    expect(llama.params).toBe(6_738_415_616);
    expect(llama.kv_cache_bytes_per_token).toBe(524_288);
  });

  it('lists xpus with their spec-sheet figures and sources', async () => {
    const t = createTestIo();
    expect(await main(['xpus', '--json'], t.io)).toBe(0);
    const gb10 = JSON.parse(t.stdout).find((x: { name: string }) => x.name === 'gb10');
    expect(gb10.memory_gb).toBe(128);
    expect(gb10.memory_bandwidth_gbps).toBe(273);
    expect(gb10.source[0]).toMatch(/^https:\/\/www\.nvidia\.com/);
    const table = createTestIo();
    expect(await main(['xpus'], table.io)).toBe(0);
    expect(table.stdout).toMatch(/mi300x/);
  });

  it('rejects an unknown flag with one clear line (exit 2)', async () => {
    const t = createTestIo();
    expect(await main(['models', '--colour'], t.io)).toBe(2);
    expect(t.stderr).toContain("unknown option --colour");
  });
});

describe("llm-sim step: vLLM's quantisation names", () => {
  const run = async (args: string[]) => {
    const t = createTestIo();
    const code = await main(args, t.io);
    return { code, stdout: t.stdout, stderr: t.stderr };
  };
  it('prices --quantization fp8 as W8A8 on an H100: a 2048-token prefill of Llama-3.1-8B in about 16.5 ms, not 31 ms (spec-sheet roofline)', async () => {
    const base = ['step', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--phase', 'prefill', '--input-len', '2048', '--performance-model', 'roofline', '--json'];
    const bf16 = JSON.parse((await run(base)).stdout);
    const fp8 = await run([...base, '--quantization', 'fp8', '--kv-cache-dtype', 'fp8_e4m3']);
    expect(fp8.code, fp8.stderr).toBe(0);
    const w8a8 = JSON.parse(fp8.stdout);
    expect(bf16.total_ms).toBeCloseTo(31.0, 0);
    expect(w8a8.total_ms).toBeGreaterThan(15.5);
    expect(w8a8.total_ms).toBeLessThan(17.5);
    // lm_head stays bf16: the same time as without quantisation.
    const lmHead = (r: { breakdown: { op: string; ms: number }[] }) => r.breakdown.find((o) => o.op === 'lm_head')!.ms;
    expect(lmHead(w8a8) / lmHead(bf16)).toBeCloseTo(1, 2);
  });
  it('refuses an int8 KV cache, which vLLM does not run, naming the flag and the values it takes (exit 2)', async () => {
    const r = await run(['step', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--kv-cache-dtype', 'int8', '--context-len', '100']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kv_cache_dtype 'int8' is not one vLLM runs; it takes auto, fp8, fp8_e4m3, fp8_e5m2, bf16, fp16/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const sim = await run(['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--kv-cache-dtype', 'int8', '--num-requests', '5']);
    expect(sim.code).toBe(2);
    expect(sim.stderr).toMatch(/^llm-sim: --kv-cache-dtype int8: kv_cache_dtype 'int8' is not one vLLM runs/);
  });
});
