/**
 * The built-in traces (benchmark_data/traces, with their provenance there), by repository path: the path is what
 * the CLI command names, and the text is fetched only when a run uses it, so the page's first load stays small.
 */
const loaders = import.meta.glob<string>('../../../benchmark_data/traces/*.csv', { query: '?raw', import: 'default' });

export const BUILT_IN_TRACES: Readonly<Record<string, () => Promise<string>>> = Object.fromEntries(
  Object.entries(loaders).map(([file, load]) => [file.replace(/^(\.\.\/)+/, ''), load]),
);

/** A short name for a trace path: azure2023_conv_trace_vidur.csv -> Azure 2023 conv. */
export function traceLabel(path: string): string {
  const m = /azure(\d{4})_(\w+?)_trace/.exec(path);
  return m ? `Azure ${m[1]} ${m[2] === 'conv' ? 'conversation' : m[2]} trace` : path;
}
