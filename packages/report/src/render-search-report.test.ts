import { describe, expect, it } from 'vitest';
import { renderSearchReport } from './render-search-report.ts';
import { searchInput as input } from './__fixtures__/search-input.ts';
import { SCATTER_CIRCLE, captureError, count, figuresById } from './test-support.ts';

describe('renderSearchReport', () => {
  const html = renderSearchReport(input);

  it('draws every deployment as a point and the front as a line through its three points', () => {
    const figure = figuresById(html).get('pareto')!;
    expect(count(figure, '<svg ')).toBe(1);
    // Five scatter points; the front's diamonds are not circles.
    expect(count(figure, SCATTER_CIRCLE)).toBe(5);
    expect(count(figure, /<path d="M[\d.-]+ [\d.-]+L[\d.-]+ [\d.-]+L[\d.-]+ [\d.-]+" fill="none"/g)).toBe(1);
    expect(figure).toContain('3 deployments no other beats on both axes');
  });

  it('shows the ranking, the skipped count and the command lines, escaped', () => {
    expect(html).toContain('data-table="ranking"');
    expect(html).toContain('31 layouts skipped: do not fit in memory');
    expect(html).toContain('--tensor-parallel-size 1 &lt;&amp;&gt;');
  });

  it('names the field of bad input', () => {
    const error = captureError(() => renderSearchReport({ ...input, points: [{ ...input.points[0], tokensPerSecondPerDevice: -1 }] }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('points.0.tokensPerSecondPerDevice');
  });
});
