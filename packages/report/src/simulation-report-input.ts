import { z } from 'zod';
import { ConfigurationEntrySchema } from './common-schemas.ts';

const LatencySamplesMsSchema = z
  .array(z.number().nonnegative())
  .describe('per-request (or per-token for ITL) latencies in milliseconds; any length, downsampled for plots');

/** A quantity sampled over simulated time; the value holds from each time until the next. */
export const TimeSeriesSchema = z
  .object({
    timeSeconds: z.array(z.number().nonnegative()),
    values: z.array(z.number()),
  })
  .superRefine((series, ctx) => {
    if (series.values.length !== series.timeSeconds.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must have as many entries as timeSeconds (${series.timeSeconds.length}), got ${series.values.length}`,
      });
    }
    for (let i = 1; i < series.timeSeconds.length; i++) {
      if (series.timeSeconds[i] < series.timeSeconds[i - 1]) {
        ctx.addIssue({
          code: 'custom',
          path: ['timeSeconds', i],
          message: `must not decrease (${series.timeSeconds[i]} after ${series.timeSeconds[i - 1]})`,
        });
        return;
      }
    }
  });
/** A sampled time series (times in seconds and values) as the report plots it. */
export type TimeSeries = z.infer<typeof TimeSeriesSchema>;

const percentileSchema = z.number().gt(0).lt(100);

/** Validates what a simulation report shows: headline metrics, latency distributions, time series, configuration. */
export const SimulationReportInputSchema = z.object({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  configuration: z.array(ConfigurationEntrySchema).default([]),
  /**
   * What a reader needs before any figure, shown at the top: the workload (rate, lengths, concurrency), the memory
   * plan, the performance model, the SLOs.
   */
  setup: z.array(ConfigurationEntrySchema).default([]),
  /** vLLM benchmark keys and values as vLLM names them (`completed`, `mean_ttft_ms`, ...), in display order. */
  summary: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).default({}),
  latencySamplesMs: z
    .object({
      ttft: LatencySamplesMsSchema.optional(),
      tpot: LatencySamplesMsSchema.optional(),
      itl: LatencySamplesMsSchema.optional(),
      e2el: LatencySamplesMsSchema.optional(),
    })
    .default({}),
  /** Percentiles (0..100, exclusive) marked on every latency CDF. */
  percentiles: z.array(percentileSchema).default([50, 90, 99]),
  slo: z
    .object({
      ttftMs: z.number().positive().optional(),
      tpotMs: z.number().positive().optional(),
      e2elMs: z.number().positive().optional(),
    })
    .default({}),
  timeSeries: z
    .object({
      throughputTokensPerSecond: TimeSeriesSchema.optional(),
      queueLength: TimeSeriesSchema.optional(),
      runningBatchSize: TimeSeriesSchema.optional(),
      /** Share of KV-cache blocks in use, 0..1. */
      kvCacheUtilization: TimeSeriesSchema.refine((s) => s.values.every((v) => v >= 0 && v <= 1), {
        message: 'values must be fractions between 0 and 1',
        path: ['values'],
      }).optional(),
    })
    .default({}),
  operatorTime: z.array(z.object({ op: z.string().min(1), seconds: z.number().nonnegative() })).default([]),
});

/** What the renderer works with, defaults applied. */
export type SimulationReportInput = z.infer<typeof SimulationReportInputSchema>;
/** What callers may pass: optional sections can be left out. */
export type SimulationReportInputInput = z.input<typeof SimulationReportInputSchema>;
