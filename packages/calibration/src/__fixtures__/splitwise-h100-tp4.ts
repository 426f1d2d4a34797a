import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnnotatedPointInput } from '../annotated-point.ts';
import { llama2_70bTp4StepWork } from './llama-2-70b-tp4-work.ts';

/** `<root>/shared/data`, beside the repository checkout `<root>/main`. */
export const SPLITWISE_CSV = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/data/splitwise_perf_model.csv');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The Splitwise measurements of Llama-2-70B on DGX-H100 at TP 4 as annotated points, repeats folded by
 * their median: `prompt_time` is the prefill of the whole batch (ms), `token_time` the mean decode step (ms),
 * whose cached context averages prompt + output / 2 over the output tokens.
 */
export function splitwiseH100Tp4Points(): AnnotatedPointInput[] {
  const [header, ...rows] = readFileSync(SPLITWISE_CSV, 'utf8').trim().split('\n');
  const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
  const groups = new Map<string, { prompt: number; batch: number; output: number; prefillMs: number[]; decodeMs: number[] }>();
  for (const row of rows) {
    const f = row.split(',');
    if (f[col.model] !== 'llama2-70b' || f[col.hardware] !== 'h100-80gb' || Number(f[col.tensor_parallel]) !== 4) continue;
    const prompt = Number(f[col.prompt_size]);
    const batch = Number(f[col.batch_size]);
    const output = Number(f[col.token_size]);
    const key = `${prompt}/${batch}/${output}`;
    const g = groups.get(key) ?? { prompt, batch, output, prefillMs: [], decodeMs: [] };
    g.prefillMs.push(Number(f[col.prompt_time]));
    g.decodeMs.push(Number(f[col.token_time]));
    groups.set(key, g);
  }
  const points: AnnotatedPointInput[] = [];
  for (const g of groups.values()) {
    points.push({
      label: `prefill b${g.batch} in${g.prompt}`,
      phase: 'prefill',
      measuredSeconds: median(g.prefillMs) / 1000,
      batchSize: g.batch,
      inputLen: g.prompt,
      ...llama2_70bTp4StepWork({ batchSize: g.batch, newTokens: g.prompt, cachedTokens: 0 }),
    });
    const context = g.prompt + g.output / 2;
    points.push({
      label: `decode b${g.batch} ctx${context}`,
      phase: 'decode',
      measuredSeconds: median(g.decodeMs) / 1000,
      batchSize: g.batch,
      contextLen: context,
      ...llama2_70bTp4StepWork({ batchSize: g.batch, newTokens: 1, cachedTokens: context }),
    });
  }
  return points;
}
