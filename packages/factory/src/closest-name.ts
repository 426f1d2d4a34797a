import { distance } from 'fastest-levenshtein';

/**
 * The candidate nearest to a mistyped name, if one is near enough to be what was meant: within a
 * third of the name's length, rounded up (at most 3 edits). Case, `-` and `_` do not count, so
 * `num_prompts` finds `--num-prompts` and `numRequests` finds `num_requests`.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const folded = fold(name);
  const limit = Math.min(3, Math.max(1, Math.ceil(folded.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(folded, fold(candidate));
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate.length < best.length)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
