import type { EChartsOption } from 'echarts';
import { niceCeil } from './axis-range.ts';
import { downsampleSeries } from './downsample-series.ts';
import { downsampleSortedCdf, fractionAtMost, percentileOfSorted, sortedCopy } from './downsample-cdf.ts';
import { ReportError, formatIssues } from './errors.ts';
import { SECONDS_FROM_MS, formatMs, formatNumber, formatPercent } from './format-number.ts';
import { figureHtml, metricCardsHtml, pageHtml, sectionHtml, tableHtml, type Cell, type Metric } from './html.ts';
import { COLORS, axisStyle, renderChartSvg } from './render-chart.ts';
import {
  SimulationReportInputSchema,
  type SimulationReportInput,
  type SimulationReportInputInput,
  type TimeSeries,
} from './simulation-report-input.ts';

/** A CDF drawn with a few thousand points is indistinguishable from one drawn with a million. */
const CDF_POINTS = 2000;
const SERIES_POINTS = 1500;
const MAX_OPERATOR_BARS = 14;

interface LatencyMetric {
  key: 'ttft' | 'tpot' | 'itl' | 'e2el';
  chartId: string;
  name: string;
  unitOfCount: string;
  sloKey?: 'ttftMs' | 'tpotMs' | 'e2elMs';
}

const LATENCY_METRICS: readonly LatencyMetric[] = [
  { key: 'ttft', chartId: 'ttft-cdf', name: 'Time to first token (TTFT)', unitOfCount: 'requests', sloKey: 'ttftMs' },
  { key: 'tpot', chartId: 'tpot-cdf', name: 'Time per output token (TPOT)', unitOfCount: 'requests', sloKey: 'tpotMs' },
  { key: 'itl', chartId: 'itl-cdf', name: 'Inter-token latency (ITL)', unitOfCount: 'tokens' },
  { key: 'e2el', chartId: 'e2el-cdf', name: 'End-to-end latency (E2EL)', unitOfCount: 'requests', sloKey: 'e2elMs' },
];

interface TimeSeriesChart {
  key: keyof SimulationReportInput['timeSeries'];
  chartId: string;
  name: string;
  axisName: string;
  /** Shown as a percentage of 1. */
  fraction?: boolean;
}

const TIME_SERIES_CHARTS: readonly TimeSeriesChart[] = [
  { key: 'throughputTokensPerSecond', chartId: 'throughput', name: 'Output token throughput', axisName: 'output tokens/s' },
  { key: 'queueLength', chartId: 'queue-length', name: 'Queue length', axisName: 'waiting requests' },
  { key: 'runningBatchSize', chartId: 'batch-size', name: 'Running batch size', axisName: 'running requests' },
  { key: 'kvCacheUtilization', chartId: 'kv-cache-utilization', name: 'KV-cache utilisation', axisName: 'blocks in use', fraction: true },
];

const HEADLINE_KEYS: readonly { key: string; label: string; ms?: boolean }[] = [
  { key: 'completed', label: 'requests completed' },
  { key: 'request_throughput', label: 'requests/s' },
  { key: 'output_throughput', label: 'output tokens/s' },
  { key: 'total_token_throughput', label: 'total tokens/s (input + output)' },
  { key: 'mean_ttft_ms', label: 'mean TTFT', ms: true },
  { key: 'mean_tpot_ms', label: 'mean TPOT', ms: true },
  { key: 'p99_e2el_ms', label: 'p99 E2E latency', ms: true },
];

/**
 * A self-contained HTML page for one simulation: latency CDFs with percentiles and SLOs, load over
 * simulated time, time by operator, the configuration and vLLM-style summary. Throws
 * `ReportError` with code `INVALID_INPUT` naming the offending field.
 */
export function renderSimulationReport(input: SimulationReportInputInput): string {
  const parsed = SimulationReportInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new ReportError('INVALID_INPUT', `simulation report input: ${formatIssues(parsed.error.issues)}`);
  }
  const report = parsed.data;

  const sections: string[] = [];
  sections.push(metricCardsHtml(headlineMetrics(report)));
  if (report.setup.length > 0) {
    sections.push(
      tableHtml({
        id: 'setup',
        caption: 'What was simulated',
        header: ['', ''],
        rows: report.setup.map((e) => [{ text: e.key, className: 'key' }, String(e.value)]),
      }),
    );
  }

  const latency = latencySection(report);
  if (latency) sections.push(latency);

  const seriesFigures = TIME_SERIES_CHARTS.flatMap((c) => {
    const series = report.timeSeries[c.key];
    return series && series.values.length > 0 ? [timeSeriesFigure(c, series)] : [];
  });
  if (seriesFigures.length > 0) {
    sections.push(sectionHtml('Over simulated time', `<div class="charts">${seriesFigures.join('\n')}</div>`));
  }

  if (report.operatorTime.length > 0) {
    sections.push(sectionHtml('Time by operator', `<div class="charts">${operatorFigure(report.operatorTime)}</div>`));
  }

  const tables: string[] = [];
  if (report.configuration.length > 0) {
    tables.push(
      tableHtml({
        id: 'configuration',
        caption: 'Configuration',
        header: ['setting', 'value'],
        rows: report.configuration.map((e) => [{ text: e.key, className: 'key' }, String(e.value)]),
      }),
    );
  }
  const summaryEntries = Object.entries(report.summary);
  if (summaryEntries.length > 0) {
    tables.push(
      tableHtml({
        id: 'summary',
        caption: 'Summary (vLLM benchmark keys)',
        header: ['metric', { text: 'value', className: 'num' }],
        rows: summaryEntries.map(([key, value]) => [
          { text: key, className: 'key' },
          { text: value === null ? '—' : typeof value === 'number' ? formatNumber(value) : value, className: 'num' },
        ]),
      }),
    );
  }
  if (tables.length > 0) sections.push(sectionHtml('Configuration and summary', `<div class="tables">${tables.join('\n')}</div>`));

  return pageHtml({ title: report.title, subtitle: report.subtitle, body: sections.join('\n'), kind: 'simulation' });
}

function headlineMetrics(report: SimulationReportInput): Metric[] {
  const cards: Metric[] = HEADLINE_KEYS.flatMap(({ key, label, ms }) => {
    const value = report.summary[key];
    if (typeof value !== 'number') return [];
    return [{ label, value: ms ? formatMs(value) : formatNumber(value) }];
  });
  const goodput = goodputMetric(report);
  if (goodput) cards.splice(2, 0, goodput);
  return cards;
}

/** Goodput with the SLOs it counts against, and the share of requests that met them. */
function goodputMetric(report: SimulationReportInput): Metric | undefined {
  const slo = [
    report.slo.ttftMs !== undefined ? `TTFT ≤ ${formatMs(report.slo.ttftMs)}` : '',
    report.slo.tpotMs !== undefined ? `TPOT ≤ ${formatMs(report.slo.tpotMs)}` : '',
    report.slo.e2elMs !== undefined ? `E2EL ≤ ${formatMs(report.slo.e2elMs)}` : '',
  ].filter(Boolean);
  const goodput = report.summary.request_goodput;
  if (slo.length === 0 || typeof goodput !== 'number') return undefined;
  const throughput = report.summary.request_throughput;
  const share = typeof throughput === 'number' && throughput > 0 ? `${formatPercent(goodput / throughput, 1)} of requests within ` : 'within ';
  return { label: 'goodput (requests/s meeting every SLO)', value: formatNumber(goodput), note: `${share}${slo.join(', ')}` };
}

function latencySection(report: SimulationReportInput): string | undefined {
  const figures: string[] = [];
  const rows: Cell[][] = [];
  const percentiles = [...new Set(report.percentiles)].sort((a, b) => a - b);
  for (const metric of LATENCY_METRICS) {
    const samples = report.latencySamplesMs[metric.key];
    if (!samples || samples.length === 0) continue;
    const sorted = sortedCopy(samples);
    const sloMs = metric.sloKey ? report.slo[metric.sloKey] : undefined;
    figures.push(latencyCdfFigure(metric, sorted, percentiles, sloMs));
    const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
    rows.push([
      metric.name,
      { text: formatNumber(sorted.length), className: 'num' },
      { text: formatMs(mean), className: 'num' },
      ...percentiles.map((p) => ({ text: formatMs(percentileOfSorted(sorted, p)), className: 'num' })),
      { text: formatMs(sorted[sorted.length - 1]), className: 'num' },
      sloMs === undefined
        ? { text: '—', className: 'num' }
        : { text: formatPercent(fractionAtMost(sorted, sloMs), 1), className: 'num' },
    ]);
  }
  if (figures.length === 0) return undefined;
  const table = tableHtml({
    id: 'latency-percentiles',
    caption: 'Latency from the samples',
    header: [
      'metric',
      { text: 'samples', className: 'num' },
      { text: 'mean', className: 'num' },
      ...percentiles.map((p) => ({ text: `p${formatNumber(p)}`, className: 'num' })),
      { text: 'max', className: 'num' },
      { text: 'within SLO', className: 'num' },
    ],
    rows,
  });
  return sectionHtml('Latency distributions', `<div class="charts">${figures.join('\n')}</div>${table}`);
}

function latencyCdfFigure(metric: LatencyMetric, sorted: Float64Array, percentiles: readonly number[], sloMs: number | undefined): string {
  const cdf = downsampleSortedCdf(sorted, CDF_POINTS);
  const marks = percentiles.map((p) => ({ p, valueMs: percentileOfSorted(sorted, p) }));
  const maxMs = sorted[sorted.length - 1];
  // ECharts picks a tidy end for the data; only an SLO beyond every sample needs the axis widened.
  const axisMaxMs = sloMs !== undefined && sloMs >= maxMs ? niceCeil(sloMs * 1.05) : undefined;
  const axisEndMs = axisMaxMs ?? niceCeil(maxMs);
  // Past 10 s the axis reads in seconds, as the labels do.
  const unit = axisEndMs >= SECONDS_FROM_MS ? 1000 : 1;
  const x = (ms: number) => ms / unit;
  const series: EChartsOption['series'] = [
    {
      type: 'line',
      name: metric.name,
      data: cdf.values.map((v, i) => [x(v), cdf.probabilities[i]]),
      showSymbol: false,
      lineStyle: { width: 2, color: COLORS.series },
      itemStyle: { color: COLORS.series },
      areaStyle: { color: COLORS.series, opacity: 0.07 },
      markLine:
        sloMs === undefined
          ? undefined
          : {
              silent: true,
              symbol: 'none',
              lineStyle: { color: COLORS.slo, type: 'dashed', width: 1.5 },
              // Above the plot, level, starting at the line: clear of the curve, the axes and the percentile labels.
              label: { formatter: `SLO ${formatMs(sloMs)}`, color: COLORS.slo, position: 'end', align: sloMs / unit > 0.7 * x(axisEndMs) ? 'right' : 'left', fontSize: 11, distance: 4 },
              data: [{ xAxis: x(sloMs) }],
            },
    },
    {
      type: 'scatter',
      name: 'percentiles',
      symbolSize: 7,
      itemStyle: { color: COLORS.percentile },
      data: marks.map((m) => [x(m.valueMs), m.p / 100]),
      // A dotted line from each percentile's point to the right edge, labelled in the margin there, where no curve
      // passes (50, 90 and 99 sit 21 px apart at this chart's height; the browser test checks labels never overlap).
      markLine: {
        silent: true,
        symbol: 'none',
        lineStyle: { color: COLORS.percentile, type: 'dotted', width: 1 },
        label: { show: true, position: 'end', color: COLORS.percentile, fontSize: 11, distance: 6 },
        data: marks.map((m) => [
          { coord: [x(m.valueMs), m.p / 100], label: { formatter: `p${formatNumber(m.p)} ${formatMs(m.valueMs)}` } },
          { coord: [x(axisEndMs), m.p / 100] },
        ]),
      },
    },
  ];
  const svg = renderChartSvg(metric.chartId, {
    grid: { left: 56, right: 118, top: 30, bottom: 52 },
    // The axis ends where the percentile lines do, so that their labels sit in the margin beyond it.
    xAxis: { type: 'value', min: 0, max: x(axisEndMs), ...axisStyle(`${metric.key.toUpperCase()} (${unit === 1 ? 'ms' : 's'})`), nameGap: 30 },
    yAxis: {
      type: 'value',
      min: 0,
      max: 1,
      interval: 0.25,
      ...axisStyle(`share of ${metric.unitOfCount}`),
      nameGap: 42,
      axisLabel: { color: COLORS.axis, fontSize: 11, formatter: (v: number) => `${Math.round(v * 100)}%` },
    },
    series,
  });
  const percentileText = marks.map((m) => `p${formatNumber(m.p)} ${formatMs(m.valueMs)}`).join(', ');
  const sloText = sloMs === undefined ? '' : `; ${formatPercent(fractionAtMost(sorted, sloMs), 1)} within the SLO of ${formatMs(sloMs)}`;
  return figureHtml({
    id: metric.chartId,
    svg,
    caption: `${metric.name}: cumulative distribution of ${formatNumber(sorted.length)} ${metric.unitOfCount}; ${percentileText}; max ${formatMs(maxMs)}${sloText}.`,
  });
}

function timeSeriesFigure(chart: TimeSeriesChart, series: TimeSeries): string {
  const scale = chart.fraction ? 100 : 1;
  const thin = downsampleSeries(series.timeSeconds, series.values, SERIES_POINTS);
  const svg = renderChartSvg(chart.chartId, {
    grid: { left: 64, right: 24, top: 24, bottom: 52 },
    xAxis: { type: 'value', min: 0, ...axisStyle('simulated time (s)'), nameGap: 30 },
    yAxis: {
      type: 'value',
      min: 0,
      // A mostly idle cache would hug the floor of a 0..100% axis; let it scale unless it gets busy.
      max: chart.fraction && Math.max(...thin.values) > 0.5 ? 100 : undefined,
      ...axisStyle(chart.fraction ? `${chart.axisName} (%)` : chart.axisName),
      nameGap: 48,
    },
    series: [
      {
        type: 'line',
        name: chart.name,
        step: 'end',
        showSymbol: false,
        data: thin.timeSeconds.map((t, i) => [t, thin.values[i] * scale]),
        lineStyle: { width: 1.5, color: COLORS.series },
        areaStyle: { color: COLORS.series, opacity: 0.12 },
      },
    ],
  });
  const { mean, max } = timeWeightedStats(series);
  const format = (x: number) => (chart.fraction ? formatPercent(x, 1) : formatNumber(x));
  return figureHtml({
    id: chart.chartId,
    svg,
    caption: `${chart.name} (${chart.axisName}) over simulated time: time-weighted mean ${format(mean)}, max ${format(max)}.`,
  });
}

/** Each value holds until the next sample, so the mean weights it by how long it held. */
function timeWeightedStats(series: TimeSeries): { mean: number; max: number } {
  const { timeSeconds: t, values: v } = series;
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  const span = t[t.length - 1] - t[0];
  if (!(span > 0)) return { mean: v.reduce((s, x) => s + x, 0) / v.length, max };
  let area = 0;
  for (let i = 0; i + 1 < t.length; i++) area += v[i] * (t[i + 1] - t[i]);
  return { mean: area / span, max };
}

function operatorFigure(operatorTime: SimulationReportInput['operatorTime']): string {
  const merged = new Map<string, number>();
  for (const { op, seconds } of operatorTime) merged.set(op, (merged.get(op) ?? 0) + seconds);
  let rows = [...merged].map(([op, seconds]) => ({ op, seconds })).sort((a, b) => b.seconds - a.seconds);
  if (rows.length > MAX_OPERATOR_BARS) {
    const rest = rows.slice(MAX_OPERATOR_BARS - 1);
    rows = [...rows.slice(0, MAX_OPERATOR_BARS - 1), { op: `other (${rest.length} operators)`, seconds: rest.reduce((s, r) => s + r.seconds, 0) }];
  }
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  const share = (seconds: number) => (total > 0 ? seconds / total : 0);
  const svg = renderChartSvg(
    'operator-time',
    {
      grid: { left: 16, right: 120, top: 16, bottom: 48, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
      xAxis: { type: 'value', min: 0, ...axisStyle('busy time (s)'), nameGap: 30 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => r.op),
        axisTick: { show: false },
        axisLine: { lineStyle: { color: COLORS.axis } },
        axisLabel: { color: COLORS.axis, fontSize: 12 },
      },
      series: [
        {
          type: 'bar',
          name: 'time by operator',
          barMaxWidth: 22,
          itemStyle: { color: COLORS.series, borderRadius: [0, 3, 3, 0] },
          label: {
            show: true,
            position: 'right',
            color: COLORS.axis,
            fontSize: 11,
            formatter: (p: { value: unknown }) => `${formatNumber(Number(p.value))} s · ${formatPercent(share(Number(p.value)), 1)}`,
          },
          data: rows.map((r) => r.seconds),
        },
      ],
    },
    { widthPixels: 1100, heightPixels: 80 + 30 * rows.length },
  );
  const top = rows[0];
  return figureHtml({
    id: 'operator-time',
    wide: true,
    svg,
    caption: `Simulated busy time by operator, ${formatNumber(total)} s in all; ${top.op} takes ${formatPercent(share(top.seconds), 1)}.`,
  });
}
