import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { aggregateRepeats } from '../aggregate-repeats.ts';
import { parseBenchmarkData, parseBenchmarkJsonl } from '../benchmark-jsonl.ts';
import { importSplitwiseCsv } from '../importers/splitwise-csv.ts';
import { readSharedData } from '../test-support/shared-data.ts';

const dataRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../benchmark_data');
const ORIGIN = 'Mutinifni/splitwise-sim@8f99e7dc:data/perf_model.csv';
const imported = importSplitwiseCsv(readSharedData('splitwise_perf_model.csv'), ORIGIN);

describe('committed benchmark_data', () => {
  it.each(['a100-80gb', 'h100-sxm', 'h100-sxm-powercap'])('%s Splitwise files are what the importer makes today', (xpu) => {
    const raw = parseBenchmarkJsonl(readFileSync(resolve(dataRoot, 'raw', xpu, 'llama-2-70b/splitwise.jsonl'), 'utf8'), xpu);
    const expected = imported.filter((p) => p.xpu === xpu && p.model === 'llama-2-70b');
    expect(raw).toEqual(expected);
    const processed = parseBenchmarkData(readFileSync(resolve(dataRoot, 'processed', xpu, 'llama-2-70b/splitwise.json'), 'utf8'), xpu);
    expect(processed.points).toEqual(aggregateRepeats(expected));
    expect(processed.provenance.license).toBe('MIT');
  });

  it('keeps the original CSV byte for byte', () => {
    expect(readFileSync(resolve(dataRoot, 'raw/splitwise/perf_model.csv'), 'utf8')).toBe(readSharedData('splitwise_perf_model.csv'));
  });
});
