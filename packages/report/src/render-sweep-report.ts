import type { EChartsOption } from 'echarts';
import { z } from 'zod';
import { ConfigurationEntrySchema } from './common-schemas.ts';
import { ReportError, formatIssues } from './errors.ts';
import { formatNumber } from './format-number.ts';
import { figureHtml, pageHtml, sectionHtml, tableHtml } from './html.ts';
import { COLORS, axisStyle, renderChartSvg } from './render-chart.ts';

const ms = z.number().nonnegative();

/** One simulation of a sweep: the value swept, the load it reached, and its latencies and throughputs. */
export const SweepPointSchema = z.object({
  /** What was swept for this point, e.g. "rate 4" or "concurrency 16". */
  label: z.string().min(1),
  requestThroughput: z.number().nonnegative(),
  outputThroughputPerDevice: z.number().nonnegative(),
  outputThroughputPerUser: z.number().nonnegative(),
  meanTtftMs: ms,
  p99TtftMs: ms,
  meanTpotMs: ms,
  p99TpotMs: ms,
  meanE2elMs: ms,
  p99E2elMs: ms,
});
/** One run of a sweep as the report plots it: its load and its latencies and throughputs. */
export type SweepPoint = z.infer<typeof SweepPointSchema>;

/** Validates what a sweep report shows: one point per value of the swept load. */
export const SweepReportInputSchema = z.object({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  points: z.array(SweepPointSchema).min(1),
  configuration: z.array(ConfigurationEntrySchema).default([]),
});
/** A sweep report's input, validated (see `SweepReportInputSchema`). */
export type SweepReportInput = z.infer<typeof SweepReportInputSchema>;
/** A sweep report's input as a caller writes it (defaults optional). */
export type SweepReportInputInput = z.input<typeof SweepReportInputSchema>;

const LATENCIES = [
  { id: 'ttft-vs-load', name: 'TTFT', mean: 'meanTtftMs', p99: 'p99TtftMs' },
  { id: 'tpot-vs-load', name: 'TPOT', mean: 'meanTpotMs', p99: 'p99TpotMs' },
  { id: 'e2el-vs-load', name: 'E2E latency', mean: 'meanE2elMs', p99: 'p99E2elMs' },
] as const;

/**
 * A self-contained HTML page for a sweep (one simulation per request rate or concurrency): each
 * latency (mean and p99) against the load reached (completed requests per second), and the
 * trade-off a sweep exposes, output tokens per second per device against per user. Throws
 * `ReportError` with code `INVALID_INPUT` naming the offending field.
 */
export function renderSweepReport(input: SweepReportInputInput): string {
  const parsed = SweepReportInputSchema.safeParse(input);
  if (!parsed.success) throw new ReportError('INVALID_INPUT', `sweep report input: ${formatIssues(parsed.error.issues)}`);
  const report = parsed.data;
  const byLoad = [...report.points].sort((a, b) => a.requestThroughput - b.requestThroughput);
  const latencyFigures = LATENCIES.map((m) => {
    const option: EChartsOption = {
      grid: { left: 64, right: 24, top: 32, bottom: 52 },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      xAxis: { type: 'value', min: 0, ...axisStyle('load: completed requests/s'), nameGap: 30 },
      yAxis: { type: 'value', min: 0, ...axisStyle(`${m.name} (ms)`), nameGap: 48 },
      series: [
        { type: 'line', name: 'mean', data: byLoad.map((p) => [p.requestThroughput, p[m.mean]]), itemStyle: { color: COLORS.series }, lineStyle: { color: COLORS.series } },
        { type: 'line', name: 'p99', data: byLoad.map((p) => [p.requestThroughput, p[m.p99]]), itemStyle: { color: COLORS.prefill }, lineStyle: { color: COLORS.prefill, type: 'dashed' } },
      ],
    };
    return figureHtml({ id: m.id, svg: renderChartSvg(m.id, option), caption: `${m.name} against load, one point per simulation` });
  });
  const byUser = [...report.points].sort((a, b) => a.outputThroughputPerUser - b.outputThroughputPerUser);
  const tradeOff: EChartsOption = {
    grid: { left: 64, right: 32, top: 24, bottom: 52 },
    xAxis: { type: 'value', min: 0, ...axisStyle('output tokens/s per user (1000 / mean TPOT)'), nameGap: 30 },
    yAxis: { type: 'value', min: 0, ...axisStyle('output tokens/s per device'), nameGap: 48 },
    series: [
      {
        type: 'line',
        name: 'sweep',
        data: byUser.map((p) => ({ value: [p.outputThroughputPerUser, p.outputThroughputPerDevice], name: p.label })),
        label: { show: true, formatter: (x: { name: string }) => x.name, fontSize: 10, color: COLORS.axis, position: 'top' },
        itemStyle: { color: COLORS.decode },
        lineStyle: { color: COLORS.decode },
      },
    ],
  };
  const tradeOffFigure = figureHtml({
    id: 'throughput-per-device-vs-per-user',
    svg: renderChartSvg('throughput-per-device-vs-per-user', tradeOff),
    caption: 'Throughput per device against throughput per user',
  });
  const table = tableHtml({
    id: 'sweep-points',
    caption: 'One row per simulation',
    header: ['point', ...['req/s', 'tok/s/device', 'tok/s/user', 'TTFT mean', 'TTFT p99', 'TPOT mean', 'TPOT p99', 'E2EL mean', 'E2EL p99'].map((text) => ({ text, className: 'num' }))],
    rows: report.points.map((p) => [
      p.label,
      ...[p.requestThroughput, p.outputThroughputPerDevice, p.outputThroughputPerUser, p.meanTtftMs, p.p99TtftMs, p.meanTpotMs, p.p99TpotMs, p.meanE2elMs, p.p99E2elMs].map((v) => ({
        text: formatNumber(v),
        className: 'num',
      })),
    ]),
  });
  const configuration =
    report.configuration.length > 0
      ? tableHtml({ id: 'configuration', caption: 'Configuration', header: ['setting', 'value'], rows: report.configuration.map((e) => [{ text: e.key, className: 'key' }, String(e.value)]) })
      : '';
  const body = [
    sectionHtml('Latency against load', `<div class="charts">${latencyFigures.join('\n')}</div>`),
    sectionHtml('Throughput per device against per user', `<div class="charts">${tradeOffFigure}</div>`),
    sectionHtml('Points and configuration', `<div class="tables">${table}${configuration}</div>`),
  ].join('\n');
  return pageHtml({ title: report.title, subtitle: report.subtitle, body, kind: 'sweep' });
}
