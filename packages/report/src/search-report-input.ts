import { z } from 'zod';
import { ConfigurationEntrySchema } from './common-schemas.ts';

/** One evaluated deployment: where it sits on the chart and its row in the table. */
export const SearchReportPointSchema = z.strictObject({
  label: z.string().min(1),
  /** Output tokens per second one user sees (x axis). */
  tokensPerSecondPerUser: z.number().nonnegative(),
  /** Output tokens per second per device (y axis). */
  tokensPerSecondPerDevice: z.number().nonnegative(),
  onFront: z.boolean(),
  /** A group for the colour of the point (e.g. "aggregated h100-sxm"). */
  group: z.string().min(1),
});
/** One evaluated deployment as the search report plots it (see `SearchReportPointSchema`). */
export type SearchReportPoint = z.infer<typeof SearchReportPointSchema>;

/** Validates what a search report shows: every evaluated deployment, the Pareto front and the ranked table. */
export const SearchReportInputSchema = z.strictObject({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  configuration: z.array(ConfigurationEntrySchema).default([]),
  points: z.array(SearchReportPointSchema),
  /** The ranked table, already formatted: header cells and one row per deployment. */
  table: z.strictObject({ header: z.array(z.string()), rows: z.array(z.array(z.string())) }),
  /** Command lines shown verbatim (e.g. the `vllm serve` lines of the top deployments). */
  commands: z.array(z.strictObject({ title: z.string(), lines: z.array(z.string()) })).default([]),
  /** Lines under the table (skipped candidates, notes). */
  notes: z.array(z.string()).default([]),
});
/** A search report's input, validated. */
export type SearchReportInput = z.infer<typeof SearchReportInputSchema>;
/** A search report's input as a caller writes it (defaults optional). */
export type SearchReportInputInput = z.input<typeof SearchReportInputSchema>;
