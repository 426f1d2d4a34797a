import { describe, expect, it } from 'vitest';
import { aggregateRepeats } from '../aggregate-repeats.ts';
import { readSharedData } from '../test-support/shared-data.ts';
import { importBenchmarkFile } from './import-benchmark-file.ts';
import { importSplitwiseCsv } from './splitwise-csv.ts';
import { caught } from '../test-support/caught.ts';

const FILE = 'splitwise_perf_model.csv';
const csv = readSharedData(FILE);
const points = importSplitwiseCsv(csv, FILE);

describe('Splitwise perf_model.csv importer', () => {
  it('turns each distinct row into a prefill and a decode point', () => {
    // 1120 data rows, of which 120 repeat the batch-1 / prompt-512 / 128-output rows in a second and third sweep.
    expect(csv.trim().split('\n')).toHaveLength(1 + 1120);
    expect(points).toHaveLength(2 * 1000);
    expect(points.filter((p) => p.phase === 'prefill')).toHaveLength(1000);
  });

  it('yields 200 configurations of five repeats each once aggregated', () => {
    const processed = aggregateRepeats(points);
    expect(processed).toHaveLength(2 * 200);
    expect(processed.every((p) => p.repeats === 5)).toBe(true);
  });

  it('maps the file names to catalog names, keeping BLOOM and naming the power-capped H100 apart', () => {
    expect(new Set(points.map((p) => p.model))).toEqual(new Set(['llama-2-70b', 'bloom-176b']));
    expect(new Set(points.map((p) => p.xpu))).toEqual(new Set(['a100-80gb', 'h100-sxm', 'h100-sxm-powercap']));
    expect(new Set(points.map((p) => p.tp))).toEqual(new Set([2, 4, 8]));
    const capped = points.filter((p) => p.xpu === 'h100-sxm-powercap');
    expect(capped.every((p) => p.notes?.includes('not an independent measurement'))).toBe(true);
  });

  it('reads the first row: Llama-2-70B TP2 on A100, batch 1, prompt 512, 128 outputs', () => {
    const [prefill, decode] = points;
    expect(prefill).toMatchObject({
      phase: 'prefill', model: 'llama-2-70b', xpu: 'a100-80gb', tp: 2, batchSize: 1, inputLen: 512,
      contextLen: 0, outputLen: 128, latencyMs: 196.2532191537321, repeats: 1, source: FILE,
    });
    // Decode context grows from 512 to 639 over the run: the point sits at the mean, 512 + 128 / 2.
    expect(decode).toMatchObject({ phase: 'decode', contextLen: 576, latencyMs: 54.87951193752838 });
  });

  it('aggregates the five repeats of Llama-2-70B TP4 on H100 into the ~29 ms decode step', () => {
    const processed = aggregateRepeats(points);
    const decode = processed.find(
      (p) => p.phase === 'decode' && p.xpu === 'h100-sxm' && p.tp === 4 && p.batchSize === 1 && p.inputLen === 512 && p.outputLen === 128,
    );
    expect(decode?.repeats).toBe(5);
    expect(decode?.latencyMs).toBe(29.7180637341418); // median of the five token_time values
    expect(decode?.spread?.minMs).toBe(29.26659482709081);
    expect(decode?.spread?.maxMs).toBe(29.762305037895818);
    const prefill = processed.find(
      (p) => p.phase === 'prefill' && p.xpu === 'h100-sxm' && p.tp === 4 && p.batchSize === 1 && p.inputLen === 512 && p.outputLen === 128,
    );
    expect(prefill?.latencyMs).toBe(59.61944203590974);
  });

  it('keeps derived power-capped prefill times at 1.3x the H100 ones, as the data README says', () => {
    const processed = aggregateRepeats(points);
    const key = (xpu: string) =>
      processed.find((p) => p.phase === 'prefill' && p.model === 'llama-2-70b' && p.xpu === xpu && p.tp === 8 && p.batchSize === 1 && p.inputLen === 2048);
    const ratio = key('h100-sxm-powercap')!.latencyMs / key('h100-sxm')!.latencyMs;
    expect(ratio).toBeCloseTo(1.3, 2);
  });

  it('names the missing column', () => {
    const withoutTokenTime = csv.replace('token_time,', '').split('\n')[0];
    const e = caught(() => importSplitwiseCsv(`${withoutTokenTime}\n`, 'cut.csv'));
    expect(e.code).toBe('INVALID_CSV');
    expect(e.field).toBe('token_time');
    expect(e.message).toMatch(/^cut\.csv:1: missing column token_time/);
  });

  it('refuses a negative latency with its line and column', () => {
    const lines = csv.split('\n');
    lines[2] = lines[2].replace(',195.5616', ',-195.5616');
    const e = caught(() => importSplitwiseCsv(lines.join('\n'), FILE));
    expect(e.line).toBe(3);
    expect(e.field).toBe('prompt_time');
    expect(e.message).toContain(`${FILE}:3: column prompt_time must be a positive number, got '-195.5616`);
  });

  it('reads quoted fields (a quoted header, a quoted comma and line break) as the simulator reads traces', () => {
    const [header, first, second] = csv.split('\n');
    const quotedHeader = header.split(',').map((c) => `"${c}"`).join(',');
    const quoted = `${quotedHeader}\n${first}\n${second}\n`;
    expect(importSplitwiseCsv(quoted, FILE)).toEqual(importSplitwiseCsv(`${header}\n${first}\n${second}\n`, FILE));
    expect(importBenchmarkFile(quoted, 'quoted.csv')).toHaveLength(4);
    // A note column with a comma and a line break inside quotes: still one field, and later lines keep their numbers.
    const noted = `note,${header}\n"a, b",${first}\n"two\nlines",${second}\nx,${first.replace('a100-80gb', 'a10g')}\n`;
    const e = caught(() => importSplitwiseCsv(noted, FILE));
    expect(e.code).toBe('UNKNOWN_NAME');
    expect(e.line).toBe(5);
    const open = caught(() => importSplitwiseCsv(`${header}\n${first}\n"${second}\n`, FILE));
    expect(open.message).toMatch(/:3: quoted field unterminated/);
  });

  it('refuses unknown hardware, listing the known names', () => {
    const lines = csv.split('\n');
    lines[1] = lines[1].replace('a100-80gb', 'a10g');
    const e = caught(() => importSplitwiseCsv(lines.slice(0, 2).join('\n'), FILE));
    expect(e.code).toBe('UNKNOWN_NAME');
    expect(e.message).toContain('known: a100-80gb, h100-80gb, h100-80gb-pcap');
  });
});
