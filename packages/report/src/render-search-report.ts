import type { EChartsOption } from 'echarts';
import { ReportError, formatIssues } from './errors.ts';
import { escapeHtml, figureHtml, pageHtml, sectionHtml, tableHtml } from './html.ts';
import { COLORS, axisStyle, renderChartSvg } from './render-chart.ts';
import { SearchReportInputSchema, type SearchReportInput, type SearchReportInputInput } from './search-report-input.ts';

const GROUP_COLORS = ['#1a73e8', '#e8710a', '#188038', '#9334e6', '#d01884', '#12b5cb', '#7f6000', '#5f6368'];

/**
 * A self-contained HTML page for a deployment search: the Pareto chart of throughput per device
 * against throughput per user (every deployment a point, the front a line), the ranked table and the
 * command lines to run the best ones. Throws `ReportError` INVALID_INPUT naming the field.
 */
export function renderSearchReport(input: SearchReportInputInput): string {
  const parsed = SearchReportInputSchema.safeParse(input);
  if (!parsed.success) throw new ReportError('INVALID_INPUT', `search report input: ${formatIssues(parsed.error.issues)}`);
  const report = parsed.data;
  const sections: string[] = [];
  if (report.points.length > 0) {
    sections.push(
      sectionHtml(
        'Throughput per device against throughput per user',
        `<div class="charts">${figureHtml({
          id: 'pareto',
          svg: renderChartSvg('pareto', paretoOption(report), { widthPixels: 1100, heightPixels: 520 }),
          caption: `Each point is a deployment at the highest request rate that meets the SLOs; the line joins the Pareto front (${report.points.filter((p) => p.onFront).length} deployments no other beats on both axes).`,
          wide: true,
        })}</div>`,
      ),
    );
  }
  const table = tableHtml({
    id: 'ranking',
    caption: 'Deployments, best first',
    header: report.table.header.map((h, i) => (i <= 1 ? h : { text: h, className: 'num' })),
    rows: report.table.rows.map((r) => r.map((c, i) => (i <= 1 ? c : { text: c, className: 'num' }))),
  });
  const notes = report.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('');
  sections.push(sectionHtml('Ranking', table + notes));
  if (report.commands.length > 0) {
    const blocks = report.commands
      .map((c) => `<h3>${escapeHtml(c.title)}</h3><pre data-commands><code>${escapeHtml(c.lines.join('\n'))}</code></pre>`)
      .join('');
    sections.push(sectionHtml('Run them with vLLM', blocks));
  }
  if (report.configuration.length > 0) {
    sections.push(
      sectionHtml(
        'Search',
        tableHtml({
          id: 'configuration',
          caption: 'What was searched',
          header: ['setting', 'value'],
          rows: report.configuration.map((e) => [{ text: e.key, className: 'key' }, String(e.value)]),
        }),
      ),
    );
  }
  return pageHtml({ title: report.title, subtitle: report.subtitle, body: sections.join('\n'), kind: 'search' });
}

function paretoOption(report: SearchReportInput): EChartsOption {
  const groups = [...new Set(report.points.map((p) => p.group))];
  const front = report.points.filter((p) => p.onFront).sort((a, b) => a.tokensPerSecondPerUser - b.tokensPerSecondPerUser);
  return {
    // A vertical legend beside the plot: a row of long group names would run into the points.
    grid: { left: 80, right: 250, top: 30, bottom: 60 },
    // Room to the right: the browser's font may set the names a little wider than ECharts measured them.
    legend: { orient: 'vertical', right: 24, top: 30, itemGap: 8, textStyle: { color: COLORS.axis, fontSize: 11 } },
    xAxis: { type: 'value', ...axisStyle('output tokens/s per user (1000 / mean TPOT)'), nameGap: 32, scale: true },
    yAxis: { type: 'value', ...axisStyle('output tokens/s per device'), nameGap: 56 },
    series: [
      ...groups.map((group, i) => ({
        type: 'scatter' as const,
        name: group,
        symbolSize: 7,
        itemStyle: { color: GROUP_COLORS[i % GROUP_COLORS.length], opacity: 0.75 },
        data: report.points.filter((p) => p.group === group).map((p) => [p.tokensPerSecondPerUser, p.tokensPerSecondPerDevice]),
      })),
      {
        type: 'line' as const,
        name: 'Pareto front',
        step: false,
        showSymbol: true,
        symbol: 'diamond',
        symbolSize: 10,
        lineStyle: { color: COLORS.peak, width: 2 },
        itemStyle: { color: COLORS.peak },
        data: front.map((p) => [p.tokensPerSecondPerUser, p.tokensPerSecondPerDevice]),
        label: { show: front.length <= 8, position: 'left', distance: 8, fontSize: 10, color: COLORS.peak, formatter: (x: { dataIndex: number }) => front[x.dataIndex].label },
      },
    ],
  };
}
