import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import { runSimulation } from './simulation.ts';
import { acceptanceProbabilities, SpeculativeConfigSchema } from './speculative.ts';
import { describeRun } from './sweep.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');
// Llama-3.1-8B on one H100 (spec-sheet roofline), 16 users at a time: decode is memory-bound.
const base = { model: 'llama-3.1-8b', xpu: 'h100', workload: { num_requests: 64, max_concurrency: 16, input_len: 1000, output_len: 200 } };
const run = (speculative_config?: object) => runSimulation(parseSimulationConfig({ ...base, speculative_config }), readTextFile);

describe('speculative decoding on a real model (Llama-3.1-8B, one H100)', () => {
  it('acceptance 0 costs more than no speculation: every step verifies k + 1 tokens and drafts k, for one token', async () => {
    const plain = await run();
    for (const method of ['ngram', 'eagle'] as const) {
      const spec = await run({ method, num_speculative_tokens: 3, acceptance_rate: 0 });
      expect(spec.summary.mean_acceptance_length).toBe(1);
      expect(spec.summary.mean_tpot_ms, method).toBeGreaterThan(plain.summary.mean_tpot_ms);
      expect(spec.withoutSpeculation?.mean_tpot_ms).toBe(plain.summary.mean_tpot_ms);
      expect(describeRun(spec).spec_decode_tpot_speedup as number).toBeLessThan(1);
    }
  });

  it('acceptance 1 emits k + 1 tokens per step, and the memory-bound verification makes TPOT about (k + 1) times smaller', async () => {
    const spec = await run({ method: 'ngram', num_speculative_tokens: 3, acceptance_rate: 1 });
    const plain = await run();
    // 199 tokens after the first: 49 verifications of 4 and one of 3 per request.
    expect(spec.summary.mean_acceptance_length).toBeCloseTo(199 / 50, 12);
    const speedup = plain.summary.mean_tpot_ms / spec.summary.mean_tpot_ms;
    expect(speedup).toBeGreaterThan(3);
    expect(speedup).toBeLessThan(4);
  });

  it('a draft model is priced as a model: Llama-3.1-8B drafting for Llama-3.1-70B (TP4) costs more per step than an EAGLE head', async () => {
    const big = (speculative_config: object) =>
      runSimulation(parseSimulationConfig({ ...base, model: 'llama-3.1-70b', parallelism: { tp: 4 }, speculative_config }), readTextFile);
    const draft = await big({ model: 'llama-3.1-8b', num_speculative_tokens: 3, acceptance_rate: 0.7 });
    const eagle = await big({ method: 'eagle', num_speculative_tokens: 3, acceptance_rate: 0.7 });
    expect(draft.summary.mean_acceptance_length).toBeCloseTo(eagle.summary.mean_acceptance_length, 12);
    expect(draft.summary.mean_tpot_ms).toBeGreaterThan(eagle.summary.mean_tpot_ms);
    expect(describeRun(eagle)).toMatchObject({ speculative_method: 'eagle', num_speculative_tokens: 3 });
  });

  it("reads vLLM's per-position acceptance rates as shares of steps, and refuses a config that cannot be simulated", () => {
    const c = SpeculativeConfigSchema.parse({ method: 'mtp', num_speculative_tokens: 3, per_position_acceptance_rate: [0.8, 0.6, 0.3] });
    const p = acceptanceProbabilities(c);
    expect(p[0]).toBeCloseTo(0.8, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
    expect(p[2]).toBeCloseTo(0.5, 12);
    expect(() => parseSimulationConfig({ ...base, speculative_config: { method: 'ngram', num_speculative_tokens: 3 } })).toThrow(/acceptance_rate/);
    expect(() => parseSimulationConfig({ ...base, speculative_config: { method: 'draft_model', num_speculative_tokens: 3, acceptance_rate: 0.5 } })).toThrow(/needs 'model'/);
    expect(() => parseSimulationConfig({ ...base, speculative_config: { method: 'eagle', num_speculative_tokens: 2, per_position_acceptance_rate: [0.5, 0.6] } })).toThrow(/must not increase/);
  });
});
