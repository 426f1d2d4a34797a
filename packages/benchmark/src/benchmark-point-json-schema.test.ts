import { describe, expect, it } from 'vitest';
import { benchmarkPointJsonSchema } from './benchmark-point-json-schema.ts';

describe('benchmark point JSON Schema', () => {
  // `pnpm generate:schema` (vitest -u on this file) rewrites the committed copy after a schema change.
  it('matches the committed schema/benchmark-point.schema.json', async () => {
    const text = `${JSON.stringify(benchmarkPointJsonSchema(), null, 2)}\n`;
    await expect(text).toMatchFileSnapshot('../schema/benchmark-point.schema.json');
  });

  it('lists the required fields of a raw line and leaves defaulted ones optional', () => {
    const schema = benchmarkPointJsonSchema() as { required: string[] };
    expect(schema.required).toEqual(
      expect.arrayContaining(['phase', 'model', 'xpu', 'batchSize', 'inputLen', 'contextLen', 'outputLen', 'latencyMs', 'engine', 'source']),
    );
    expect(schema.required).not.toContain('tp');
    expect(schema.required).not.toContain('repeats');
  });
});
