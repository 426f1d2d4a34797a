import { aggregateRepeats } from '../aggregate-repeats.ts';
import { BenchmarkPointSchema, type BenchmarkPoint } from '../benchmark-point.ts';
import { BenchmarkError } from '../errors.ts';

function runKey(p: BenchmarkPoint): string {
  return JSON.stringify([p.model, p.xpu, p.tp, p.pp, p.dtype, p.engine, p.engineVersion ?? null, p.batchSize, p.inputLen]);
}

/** A whole-run latency: a 'mixed' run from `vllm bench latency`, or its output_len 1 'prefill' run. */
function isWholeRun(p: BenchmarkPoint): boolean {
  return p.contextLen === 0 && ((p.phase === 'mixed' && p.outputLen >= 2) || (p.phase === 'prefill' && p.outputLen === 1));
}

/**
 * Decode-step points from whole-run latencies of the same batch and input on the same setup that differ only
 * in output length. Runs of Oa < Ob output tokens lasting Ta and Tb share their prefill and first Oa - 1 decode
 * steps, so (Tb - Ta) / (Ob - Oa) is the mean decode step over the steps that emit tokens Oa + 1 … Ob. The step
 * emitting token k computes token k - 1 on a cache of input + k - 2 tokens, so their cached contexts average
 * input + (Oa + Ob - 3) / 2 (rounded). With Oa = 1 (a prefill run) that is input + (Ob - 2) / 2, the whole decode.
 * Each side is first reduced to the median of its repeats; consecutive output lengths are paired; the result
 * counts the fewer repeats of the two. Runs without a partner are ignored.
 */
export function deriveDecodeFromLatencyRuns(points: readonly BenchmarkPoint[]): BenchmarkPoint[] {
  const groups = new Map<string, BenchmarkPoint[]>();
  for (const p of aggregateRepeats(points.filter(isWholeRun))) {
    const key = runKey(p);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const out: BenchmarkPoint[] = [];
  for (const group of groups.values()) {
    const runs = [...group].sort((a, b) => a.outputLen - b.outputLen);
    for (let i = 1; i < runs.length; i++) {
      const short = runs[i - 1];
      const long = runs[i];
      if (short.outputLen === long.outputLen) continue;
      const steps = long.outputLen - short.outputLen;
      const stepMs = (long.latencyMs - short.latencyMs) / steps;
      if (!(stepMs > 0)) {
        throw new BenchmarkError(
          'INVALID_POINT',
          `${long.source}: run with output_len ${long.outputLen} (${long.latencyMs} ms) is not longer than the output_len ${short.outputLen} run in ${short.source} (${short.latencyMs} ms); cannot derive a decode step`,
          { file: long.source, field: 'latencyMs' },
        );
      }
      out.push(
        BenchmarkPointSchema.parse({
          ...long,
          phase: 'decode',
          contextLen: long.inputLen + Math.round((short.outputLen + long.outputLen - 3) / 2),
          latencyMs: stepMs,
          repeats: Math.min(long.repeats, short.repeats),
          spread: undefined,
          source: `${long.source} - ${short.source}`,
          notes: `mean decode step derived as (output_len ${long.outputLen} run - output_len ${short.outputLen} run) / ${steps}`,
        }),
      );
    }
  }
  return out;
}
