/** The inner HTML of each `<figure data-chart>`, by chart id, for tests. */
export function figuresById(html: string): Map<string, string> {
  const figures = new Map<string, string>();
  for (const match of html.matchAll(/<figure data-chart="([^"]+)"[^>]*>([\s\S]*?)<\/figure>/g)) figures.set(match[1], match[2]);
  return figures;
}

export function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? haystack.split(needle).length - 1 : [...haystack.matchAll(needle)].length;
}

/** ECharts draws every scatter symbol as this unit circle path, scaled by a transform. */
export const SCATTER_CIRCLE = 'd="M1 0A1 1 0 1 1 1 -0.1A1 1 0 0 1 1 0"';

export function captureError(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error');
}
