import { z } from 'zod';
import { DtypeSchema } from '@llm-sim/roofline';

/**
 * What a measured latency covers.
 * - `prefill`: one prefill of the whole batch (`batchSize` prompts of `inputLen` tokens, nothing cached).
 * - `decode`: one decode step of `batchSize` sequences with `contextLen` tokens cached each.
 * - `mixed`: a measurement that spans both phases: an engine step mixing prefill chunks and decodes, or a
 *   whole `vllm bench latency` run (one prefill of the batch plus `outputLen - 1` decode steps at contexts
 *   `inputLen + 1 … inputLen + outputLen - 1`); `notes` say which.
 */
export const PHASES = ['prefill', 'decode', 'mixed'] as const;
/** Validates a `Phase` (see `PHASES`). */
export const PhaseSchema = z.enum(PHASES);
/** What a measured latency covers: `prefill`, `decode` or `mixed` (see `PHASES`). */
export type Phase = z.infer<typeof PhaseSchema>;

const nonNegativeMs = z.number().nonnegative();

/** How repeated measurements of one point spread around `latencyMs` (all in milliseconds). */
export const LatencySpreadSchema = z.object({
  meanMs: nonNegativeMs.optional(),
  /** Population standard deviation (numpy's default, as vLLM reports it). */
  stdMs: nonNegativeMs.optional(),
  minMs: nonNegativeMs.optional(),
  maxMs: nonNegativeMs.optional(),
  /** Percentile (as written by the tool: "10", "50", "99", "99.9") to its value. */
  percentilesMs: z.record(z.string().regex(/^\d+(\.\d+)?$/, 'a percentile such as "99" or "99.9"'), nonNegativeMs).optional(),
});
/** How repeated measurements of one point spread around its latency, in milliseconds. */
export type LatencySpread = z.infer<typeof LatencySpreadSchema>;

const count = z.number().int().nonnegative();

/** An ISO-8601 date or date-time, with or without a UTC offset (tools often write local time). */
export const IsoDateSchema = z.union([z.iso.datetime({ offset: true, local: true }), z.iso.date()]);

/** One measurement: one line of a raw benchmark JSONL file. */
export const BenchmarkPointSchema = z
  .object({
    phase: PhaseSchema,
    /** Catalog name where there is one (`llama-2-70b`); otherwise the name the source used. */
    model: z.string().min(1),
    /** Catalog name where there is one (`h100-sxm`); otherwise a distinct, descriptive name. */
    xpu: z.string().min(1),
    tp: z.number().int().positive().default(1),
    pp: z.number().int().positive().default(1),
    /** Weight and compute dtype the model was served in. */
    dtype: z._default(DtypeSchema, 'bf16'),
    batchSize: z.number().int().positive(),
    /** Prompt tokens per sequence. */
    inputLen: count,
    /** Tokens already in each sequence's KV cache at the measured step (decode) or before the chunk (prefill). */
    contextLen: count,
    /** Output tokens per sequence of the run the point comes from. */
    outputLen: count,
    /** For prefill: the prefill of the whole batch; for decode: one decode step; for mixed: see `phase`. */
    latencyMs: z.number().positive(),
    /** Measurements `latencyMs` summarises (1 for a single measurement; the median of N otherwise). */
    repeats: z.number().int().positive().default(1),
    spread: LatencySpreadSchema.optional(),
    /** Serving engine (`vllm`, `sglang`, `trt-llm`), or `unknown` where the source does not say. */
    engine: z.string().min(1),
    /** The model id the server answered as (`meta-llama/Llama-3.1-8B`), for a point measured live: a resumed run refuses a server serving another. */
    servedModel: z.string().min(1).optional(),
    engineVersion: z.string().min(1).optional(),
    /** When it was measured; absent when the source does not record it. */
    date: IsoDateSchema.optional(),
    /** File, URL or tool the number came from. */
    source: z.string().min(1),
    notes: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.phase === 'prefill' && p.inputLen < 1) {
      ctx.addIssue({ code: 'custom', path: ['inputLen'], message: 'a prefill point needs inputLen >= 1' });
    }
    if (p.phase === 'decode' && p.contextLen < 1) {
      ctx.addIssue({ code: 'custom', path: ['contextLen'], message: 'a decode point needs contextLen >= 1 (cached tokens)' });
    }
    const s = p.spread;
    if (s?.minMs !== undefined && s.maxMs !== undefined && s.minMs > s.maxMs) {
      ctx.addIssue({ code: 'custom', path: ['spread', 'minMs'], message: `minMs ${s.minMs} exceeds maxMs ${s.maxMs}` });
    }
  });
/** One measurement (one line of a raw benchmark JSONL file), defaults filled in. */
export type BenchmarkPoint = z.infer<typeof BenchmarkPointSchema>;
/** A point as written by hand or by a tool: defaulted fields may be left out. */
export type BenchmarkPointInput = z.input<typeof BenchmarkPointSchema>;

/** Where a set of points came from: what a processed file and its folder README record. */
export const ProvenanceSchema = z.object({
  /** One line: who measured what. */
  description: z.string().min(1),
  repository: z.string().optional(),
  commit: z.string().optional(),
  path: z.string().optional(),
  url: z.string().optional(),
  license: z.string().optional(),
  /** How the points were produced from the original (importer, script). */
  importedWith: z.string().optional(),
  notes: z.string().optional(),
});
/** Where a set of points came from: source, licence and how they were imported. */
export type Provenance = z.infer<typeof ProvenanceSchema>;

/** A processed benchmark file: points (repeats aggregated) plus their provenance. */
export const BenchmarkDataSchema = z.object({
  schemaVersion: z.literal(1),
  provenance: ProvenanceSchema,
  points: z.array(BenchmarkPointSchema),
});
/** A processed benchmark file: points with repeats aggregated, plus their provenance. */
export type BenchmarkData = z.infer<typeof BenchmarkDataSchema>;
