import { readFileSync } from 'node:fs';
import { createRandom } from '@llm-sim/simulator';
import { describe, expect, it } from 'vitest';
import { AZURE_CONV_2023_OUTPUT_LENGTH, OutputLengthDistributionSchema, drawOutputLength } from './output-length.ts';

describe('output lengths', () => {
  it('defaults to the percentiles of the Azure 2023 conversation trace the repository ships', () => {
    const csv = readFileSync(new URL('../../../benchmark_data/traces/azure2023_conv_trace_vidur.csv', import.meta.url), 'utf8');
    const rows = csv.trim().split('\n');
    expect(rows[0]).toBe('arrived_at,num_prefill_tokens,num_decode_tokens');
    const lengths = rows.slice(1).map((r) => Number(r.split(',')[2])).sort((a, b) => a - b);
    expect(lengths).toHaveLength(19366);
    // Nearest-rank percentiles, 0th to 100th.
    const percentiles = Array.from({ length: 101 }, (_, p) => lengths[Math.round((p / 100) * (lengths.length - 1))]);
    expect(AZURE_CONV_2023_OUTPUT_LENGTH).toEqual({ kind: 'quantiles', tokens: percentiles });
  });

  it('draws lengths whose median and mean are the trace\'s (129 and 211 tokens)', () => {
    const random = createRandom(42);
    const draws = Array.from({ length: 50_000 }, () => drawOutputLength(random, AZURE_CONV_2023_OUTPUT_LENGTH)).sort((a, b) => a - b);
    expect(draws[0]).toBeGreaterThanOrEqual(7);
    expect(draws.at(-1)).toBeLessThanOrEqual(1000);
    expect(Math.abs(draws[25_000] - 129)).toBeLessThanOrEqual(4);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(Math.abs(mean - 211.1) / 211.1).toBeLessThan(0.03);
  });

  it('draws from the simulator\'s distributions too, never under one token, and refuses decreasing quantiles', () => {
    const random = createRandom(1);
    expect(drawOutputLength(random, { kind: 'fixed', value: 42 })).toBe(42);
    for (let i = 0; i < 1000; i++) expect(drawOutputLength(random, { kind: 'normal', mean: 2, std: 5 })).toBeGreaterThanOrEqual(1);
    expect(OutputLengthDistributionSchema.safeParse({ kind: 'quantiles', tokens: [5, 3] }).success).toBe(false);
  });
});
