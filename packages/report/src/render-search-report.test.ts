import { describe, expect, it } from 'vitest';
import { renderSearchReport } from './render-search-report.ts';
import type { SearchReportInputInput } from './search-report-input.ts';
import { SCATTER_CIRCLE, captureError, count, figuresById } from './test-support.ts';

// The shape of a real search's output (Llama-3.1-8B on two H100s/H200s, figures from `llm-sim search`).
const input: SearchReportInputInput = {
  title: 'Deployment search: llama-3.1-8b',
  points: [
    { label: '2xTP1 h100-sxm bf16', tokensPerSecondPerUser: 53.6, tokensPerSecondPerDevice: 3892, onFront: false, group: 'aggregated h100-sxm bf16' },
    { label: '1xTP2 h100-sxm bf16', tokensPerSecondPerUser: 55.9, tokensPerSecondPerDevice: 3792, onFront: false, group: 'aggregated h100-sxm bf16' },
    { label: '2xTP1 h200 bf16', tokensPerSecondPerUser: 57.5, tokensPerSecondPerDevice: 4713, onFront: true, group: 'aggregated h200 bf16' },
    { label: '1xTP2 h200 bf16', tokensPerSecondPerUser: 58.0, tokensPerSecondPerDevice: 4394, onFront: true, group: 'aggregated h200 bf16' },
    { label: '1P1D TP1/TP1 h200 bf16', tokensPerSecondPerUser: 193.7, tokensPerSecondPerDevice: 3440, onFront: true, group: 'disaggregated h200 bf16' },
  ],
  table: { header: ['#', 'deployment', 'rate'], rows: [['1', '2xTP1 h200 bf16', '44.28']] },
  commands: [{ title: '2xTP1 h200 bf16', lines: ['vllm serve meta-llama/Llama-3.1-8B --tensor-parallel-size 1 <&>'] }],
  notes: ['31 layouts skipped: do not fit in memory'],
};

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
