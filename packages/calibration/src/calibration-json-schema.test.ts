import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrationJsonSchema } from './calibration-json-schema.ts';

describe('calibration file JSON Schema', () => {
  // `pnpm generate:schema` (vitest -u on this file) rewrites the committed copy after a schema change.
  it('matches the committed schema/calibration.schema.json', async () => {
    await expect(`${JSON.stringify(calibrationJsonSchema(), null, 2)}\n`).toMatchFileSnapshot('../schema/calibration.schema.json');
  });

  it('requires what a calibration cannot do without and describes the committed calibration files', () => {
    const schema = calibrationJsonSchema() as { required: string[]; properties: Record<string, { required?: string[] }> };
    expect(schema.required).toEqual(expect.arrayContaining(['format_version', 'model', 'xpu', 'tp', 'prefill', 'decode', 'fit', 'created_at']));
    // The bandwidth is required as effective_bandwidth_gb_per_s or, in older files, effective_bandwidth_gbps.
    expect(schema.properties.decode.required).toEqual(['effective_tflops', 'overhead_ms']);
    // A file the pipeline wrote has every required key.
    const file = JSON.parse(readFileSync(new URL('../../../benchmark_data/calibration/h100-sxm/llama-2-70b_tp4_roofline.json', import.meta.url), 'utf8'));
    for (const key of schema.required) expect(file, key).toHaveProperty(key);
  });
});
