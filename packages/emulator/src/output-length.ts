import { LengthDistributionSchema, drawLength, type Random } from '@llm-sim/simulator';
import { z } from 'zod';

/**
 * How many tokens a model writes before its end-of-sequence token, when nothing else stops it: one of the
 * simulator's length distributions, or an empirical one given by equally spaced quantiles (the 0th to the
 * 100th percentile), sampled by linear interpolation between them.
 */
export const OutputLengthDistributionSchema = z.union([
  LengthDistributionSchema,
  z.strictObject({
    kind: z.literal('quantiles'),
    tokens: z
      .array(z.number().int().positive())
      .min(2)
      .refine((t) => t.every((v, i) => i === 0 || v >= t[i - 1]), { message: 'quantiles must not decrease' }),
  }),
]);
/** How many tokens a model writes when nothing else stops it (see `OutputLengthDistributionSchema`). */
export type OutputLengthDistribution = z.infer<typeof OutputLengthDistributionSchema>;

/**
 * The default: output lengths of real chat traffic, the 0th to 100th percentiles (nearest rank) of
 * `num_decode_tokens` in the Azure LLM inference trace 2023, conversation service (19,366 requests over an
 * hour, published with the Splitwise paper, Patel et al., ISCA 2024; CC-BY-4.0), the file this repository
 * ships as `benchmark_data/traces/azure2023_conv_trace_vidur.csv`. Median 129 tokens, mean 211; two modes
 * (short replies near 90, long ones near 400), at most 1,000. A test recomputes the table from that file.
 */
export const AZURE_CONV_2023_OUTPUT_LENGTH: OutputLengthDistribution = {
  kind: 'quantiles',
  tokens: [
    7, 16, 24, 32, 38, 41, 44, 47, 49, 52, 54, 57, 59, 62, 64, 67, 69, 71, 73, 75, 77, 79, 81, 82, 84, 85, 86, 87, 89, 90, 91, 92, 93, 94,
    95, 96, 97, 99, 100, 101, 103, 105, 107, 108, 110, 113, 116, 118, 122, 125, 129, 133, 137, 141, 145, 151, 156, 161, 163, 169, 177,
    182, 190, 202, 216, 217, 237, 371, 375, 378, 384, 387, 390, 393, 394, 395, 396, 396, 397, 398, 400, 402, 404, 407, 410, 411, 414,
    415, 417, 420, 424, 428, 429, 433, 442, 451, 468, 509, 540, 601, 1000,
  ],
};

/** One output length (at least 1 token: the end-of-sequence token itself). */
export function drawOutputLength(random: Random, distribution: OutputLengthDistribution): number {
  if (distribution.kind !== 'quantiles') return Math.max(1, drawLength(random, distribution));
  const { tokens } = distribution;
  const position = random.next() * (tokens.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, tokens.length - 1);
  return Math.max(1, Math.round(tokens[below] + (tokens[above] - tokens[below]) * (position - below)));
}
