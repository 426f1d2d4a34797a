/** A number with a fixed count of significant decimals, and thousands separators; '-' when missing. */
export function fmt(value: unknown, digits = 1): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Times past 10,000 ms read better in seconds. */
export function fmtMs(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '-';
  return ms >= 10_000 ? `${fmt(ms / 1000, 2)} s` : `${fmt(ms, ms < 100 ? 2 : 1)} ms`;
}

/** The relative change from `before` to `after`, signed, as "+12.3%". */
export function change(before: unknown, after: unknown): string {
  if (typeof before !== 'number' || typeof after !== 'number' || before === 0 || !Number.isFinite(before) || !Number.isFinite(after)) return '';
  const pct = (100 * (after - before)) / Math.abs(before);
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}
