import { z } from 'zod';
import { RooflineParametersSchema } from './calibration-file.ts';

/**
 * The JSON Schema of a calibration file (`--calibration-data`), for tools outside TypeScript: a nightly job
 * can validate a file before committing it. The committed copy (`schema/calibration.schema.json`) is checked
 * against this by a test; `pnpm generate:schema` rewrites it.
 */
export function calibrationJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RooflineParametersSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/llm-sim/llm-sim/packages/calibration/schema/calibration.schema.json',
    title: 'RooflineParameters',
    description: 'An llm-sim calibration file: effective roofline figures for one model, xpu and tp, prefill and decode apart.',
  };
}
