import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `<root>/shared/data`, next to the repository checkout as in CI. */
export const SHARED_DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/data');

export function readCsv(fileName: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path.join(SHARED_DATA_DIR, fileName), 'utf8').trim().split(/\r?\n/);
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
  });
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Mean of Splitwise's repeats per key, for Llama-2-70B on DGX-H100 at TP8 (the complete grid). */
export function splitwiseLlama70bH100Tp8() {
  const rows = readCsv('splitwise_perf_model.csv').filter(
    (r) => r.model === 'llama2-70b' && r.hardware === 'h100-80gb' && r.tensor_parallel === '8',
  );
  const group = (pick: (r: Record<string, string>) => boolean, key: (r: Record<string, string>) => number, value: string) => {
    const byKey = new Map<number, number[]>();
    for (const r of rows.filter(pick)) byKey.set(key(r), [...(byKey.get(key(r)) ?? []), Number(r[value])]);
    return [...byKey].map(([k, vs]) => ({ key: k, ms: mean(vs) })).sort((a, b) => a.key - b.key);
  };
  return {
    /** Prefill of one prompt at batch 1, by prompt length. */
    promptMsByPromptTokens: group((r) => r.batch_size === '1' && r.token_size === '128', (r) => Number(r.prompt_size), 'prompt_time'),
    /** Prefill of a whole batch of 512-token prompts, by batch size. */
    promptMsByBatch: group((r) => r.prompt_size === '512' && r.token_size === '128', (r) => Number(r.batch_size), 'prompt_time'),
    /** One decode iteration with 512-token prompts, by batch size. */
    tokenMsByBatch: group((r) => r.prompt_size === '512' && r.token_size === '128', (r) => Number(r.batch_size), 'token_time'),
  };
}

/** Linear interpolation in `table` (sorted by key), clamped at both ends. */
export function interpolate(table: readonly { key: number; ms: number }[], x: number): number {
  if (x <= table[0].key) return table[0].ms;
  for (let i = 1; i < table.length; i++) {
    if (x <= table[i].key) {
      const a = table[i - 1];
      const b = table[i];
      return a.ms + ((x - a.key) / (b.key - a.key)) * (b.ms - a.ms);
    }
  }
  return table[table.length - 1].ms;
}
