const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const largeFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const smallFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** A number for people: thousands separators, four significant digits below 1000. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return integerFormat.format(x);
  if (Math.abs(x) >= 1000) return largeFormat.format(x);
  return smallFormat.format(x);
}

/** A fraction as a percentage with two decimals (0.0123 -> "1.23%"). */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Times from this many milliseconds on read better in seconds. */
export const SECONDS_FROM_MS = 10_000;

/** Milliseconds, with a unit: seconds once they pass 10,000 ms ("21.83 s", not "21,829.4 ms"). */
export function formatMs(ms: number): string {
  return Math.abs(ms) >= SECONDS_FROM_MS ? `${smallFormat.format(ms / 1000)} s` : `${formatNumber(ms)} ms`;
}

/** Compact SI prefixes for axis labels of huge values (1.2e14 -> "120T"). */
export function formatSi(x: number): string {
  const abs = Math.abs(x);
  const units: [number, string][] = [
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, prefix] of units) {
    if (abs >= scale) return `${smallFormat.format(x / scale)}${prefix}`;
  }
  return smallFormat.format(x);
}
