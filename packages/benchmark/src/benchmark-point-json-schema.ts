import { z } from 'zod';
import { BenchmarkPointSchema } from './benchmark-point.ts';

/**
 * The JSON Schema of one raw JSONL line, for tools outside TypeScript. The committed copy
 * (`schema/benchmark-point.schema.json`) is checked against this by a test; `pnpm generate:schema` rewrites it.
 * Input shape: fields with defaults (tp, pp, dtype, repeats) may be left out of a line.
 */
export function benchmarkPointJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(BenchmarkPointSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/llm-sim/llm-sim/packages/benchmark/schema/benchmark-point.schema.json',
    title: 'BenchmarkPoint',
    description: 'One measurement of an LLM serving step: one line of a raw benchmark JSONL file (llm-sim).',
  };
}
