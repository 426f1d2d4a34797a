import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnnotatedPointInput } from '../annotated-point.ts';
import { llama2_70bStepWork, type Interconnect } from './llama-2-70b-work.ts';

/** `<root>/shared/data`, beside the repository checkout `<root>/main`. */
export const SPLITWISE_CSV = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/data/splitwise_perf_model.csv');

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Splitwise's Llama-2-70B measurements on one `hardware` (the CSV's spelling: h100-80gb, a100-80gb,
 * h100-80gb-pcap) at one TP, as annotated points with repeats folded by their median. `prompt_time` is the
 * prefill of the whole batch (ms); `token_time` the mean decode step (ms), whose cached context averages
 * prompt + output / 2 over the output tokens.
 */
export function splitwiseLlama2_70bPoints(hardware: string, interconnect: Interconnect): AnnotatedPointInput[] {
  const [header, ...rows] = readFileSync(SPLITWISE_CSV, 'utf8').trim().split('\n');
  const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
  const groups = new Map<string, { prompt: number; batch: number; output: number; prefillMs: number[]; decodeMs: number[] }>();
  for (const row of rows) {
    const f = row.split(',');
    if (f[col.model] !== 'llama2-70b' || f[col.hardware] !== hardware || Number(f[col.tensor_parallel]) !== interconnect.tp) continue;
    const prompt = Number(f[col.prompt_size]);
    const batch = Number(f[col.batch_size]);
    const output = Number(f[col.token_size]);
    const key = `${prompt}/${batch}/${output}`;
    const g = groups.get(key) ?? { prompt, batch, output, prefillMs: [], decodeMs: [] };
    g.prefillMs.push(Number(f[col.prompt_time]));
    g.decodeMs.push(Number(f[col.token_time]));
    groups.set(key, g);
  }
  const prefill = new Map<string, AnnotatedPointInput & { ms: number[] }>();
  const decode: AnnotatedPointInput[] = [];
  for (const g of groups.values()) {
    // The prefill does not depend on the output length: configurations that differ only there repeat it.
    const key = `${g.prompt}/${g.batch}`;
    const p = prefill.get(key) ?? {
      label: `prefill b${g.batch} in${g.prompt}`,
      phase: 'prefill' as const,
      measuredSeconds: 0,
      batchSize: g.batch,
      inputLen: g.prompt,
      ...llama2_70bStepWork({ batchSize: g.batch, newTokens: g.prompt, cachedTokens: 0 }, interconnect),
      ms: [],
    };
    p.ms.push(...g.prefillMs);
    prefill.set(key, p);
    const context = g.prompt + g.output / 2;
    decode.push({
      label: `decode b${g.batch} ctx${context}`,
      phase: 'decode',
      measuredSeconds: median(g.decodeMs) / 1000,
      batchSize: g.batch,
      contextLen: context,
      ...llama2_70bStepWork({ batchSize: g.batch, newTokens: 1, cachedTokens: context }, interconnect),
    });
  }
  const prefillPoints = [...prefill.values()].map(({ ms, ...p }) => ({ ...p, measuredSeconds: median(ms) / 1000 }));
  const byShape = (a: AnnotatedPointInput, b: AnnotatedPointInput) =>
    a.batchSize - b.batchSize || (a.inputLen ?? 0) - (b.inputLen ?? 0) || (a.contextLen ?? 0) - (b.contextLen ?? 0);
  return [...prefillPoints.sort(byShape), ...decode.sort(byShape)];
}
