import type { EChartsOption, ScatterSeriesOption } from 'echarts';
import { decadeRange } from './axis-range.ts';
import {
  CalibrationReportInputSchema,
  type CalibrationPoint,
  type CalibrationReportInput,
  type CalibrationReportInputInput,
  type Phase,
} from './calibration-report-input.ts';
import { ReportError, formatIssues } from './errors.ts';
import { formatNumber, formatPercent, formatSi } from './format-number.ts';
import { escapeHtml, figureHtml, metricCardsHtml, pageHtml, sectionHtml, tableHtml, type Cell, type Metric } from './html.ts';
import { COLORS, axisStyle, renderChartSvg } from './render-chart.ts';

const PHASES: readonly Phase[] = ['prefill', 'decode'];
const TERA = 1e12;
const GIGA = 1e9;

/**
 * A self-contained HTML page for one calibration: the roofline with spec and fitted roofs and every
 * measured point, predicted against measured latency, the error by arithmetic intensity, and the fit
 * quality. Throws `ReportError` with code `INVALID_INPUT` naming the offending field.
 */
export function renderCalibrationReport(input: CalibrationReportInputInput): string {
  const parsed = CalibrationReportInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new ReportError('INVALID_INPUT', `calibration report input: ${formatIssues(parsed.error.issues)}`);
  }
  const report = parsed.data;

  const charts = [rooflineFigure(report), predictionFigure(report.points), errorFigure(report.points)];
  const sections = [
    metricCardsHtml(headlineMetrics(report)),
    sectionHtml('Roofline and fit', `<div class="charts">${charts.join('\n')}</div>`),
    sectionHtml('Fit', `${roofsTable(report)}${identificationTable(report)}${notesHtml(report)}<div class="tables">${[fitTable(report), configurationTable(report)].filter(Boolean).join('\n')}</div>${pointsDetails(report.points)}`),
  ];
  return pageHtml({ title: report.title, subtitle: report.subtitle, body: sections.join('\n'), kind: 'calibration' });
}

const relativeError = (p: CalibrationPoint) => (p.predictedMs - p.measuredMs) / p.measuredMs;

function headlineMetrics(report: CalibrationReportInput): Metric[] {
  const metrics: Metric[] = [{ label: 'measured points', value: formatNumber(report.points.length) }];
  for (const fit of report.fit) {
    metrics.push({ label: `${fit.phase} MAPE`, value: formatPercent(fit.mape) });
    metrics.push({ label: `${fit.phase} R²`, value: fit.r2.toFixed(4) });
  }
  return metrics;
}

/** The roof min(peak, bandwidth × intensity) as a polyline over [lo, hi], in TFLOP/s. */
function roofLine(flopsPerSecond: number, bandwidthBytesPerSecond: number, lo: number, hi: number): number[][] {
  const ridge = flopsPerSecond / bandwidthBytesPerSecond;
  const at = (x: number) => Math.min(flopsPerSecond, bandwidthBytesPerSecond * x) / TERA;
  const xs = ridge > lo && ridge < hi ? [lo, ridge, hi] : [lo, hi];
  return xs.map((x) => [x, at(x)]);
}

function rooflineFigure(report: CalibrationReportInput): string {
  const { xpu, fitted, points } = report;
  const roofs = [
    { name: `${xpu.name} peak (spec)`, flops: xpu.peakFlopsPerSecond, bw: xpu.bandwidthBytesPerSecond, color: COLORS.peak, type: 'solid' as const },
    ...PHASES.flatMap((phase) => {
      const roof = fitted[phase];
      return roof ? [{ name: `${phase} effective roof`, flops: roof.flopsPerSecond, bw: roof.bandwidthBytesPerSecond, color: COLORS[phase], type: 'dashed' as const }] : [];
    }),
  ];
  const intensities = [...points.map((p) => p.arithmeticIntensityFlopsPerByte), ...roofs.map((r) => r.flops / r.bw)];
  const x = decadeRange(Math.min(...intensities) / 2, Math.max(...intensities) * 2);
  const roofSeries = roofs.map((r) => ({ ...r, data: roofLine(r.flops, r.bw, x.min, x.max) }));
  // The roofs fall off to the left without bound; the axis follows the points and the peaks, and the lines are clipped.
  const y = decadeRange(Math.min(...points.map((p) => p.attainedFlopsPerSecond / TERA)) / 2, Math.max(...roofs.map((r) => r.flops / TERA)));
  const series: EChartsOption['series'] = [
    ...roofSeries.map((r) => ({
      type: 'line' as const,
      name: r.name,
      data: r.data,
      symbol: 'none',
      silent: true,
      lineStyle: { color: r.color, type: r.type, width: r.type === 'solid' ? 2.5 : 2 },
      itemStyle: { color: r.color },
    })),
    ...phaseScatter(points, (p) => [p.arithmeticIntensityFlopsPerByte, p.attainedFlopsPerSecond / TERA]),
  ];
  const svg = renderChartSvg(
    'roofline',
    {
      legend: { top: 0, itemGap: 24, textStyle: { color: COLORS.axis, fontSize: 12 } },
      grid: { left: 64, right: 28, top: 56, bottom: 52 },
      xAxis: { type: 'log', min: x.min, max: x.max, ...axisStyle('arithmetic intensity (FLOP/byte)'), nameGap: 30, axisLabel: { color: COLORS.axis, fontSize: 11, formatter: formatSi } },
      yAxis: { type: 'log', min: y.min, max: y.max, ...axisStyle('attained TFLOP/s'), nameGap: 46, axisLabel: { color: COLORS.axis, fontSize: 11, formatter: formatSi } },
      series,
    },
    { widthPixels: 1100, heightPixels: 460 },
  );
  const ridge = xpu.peakFlopsPerSecond / xpu.bandwidthBytesPerSecond;
  return figureHtml({
    id: 'roofline',
    wide: true,
    svg,
    caption: `Roofline of ${xpu.name} (log-log): spec peak ${formatNumber(xpu.peakFlopsPerSecond / TERA)} TFLOP/s and ${formatNumber(xpu.bandwidthBytesPerSecond / GIGA)} GB/s (ridge at ${formatNumber(ridge)} FLOP/byte), the fitted effective roofs per phase, and the ${formatNumber(points.length)} measured points.`,
  });
}

function phaseScatter(points: readonly CalibrationPoint[], xy: (p: CalibrationPoint) => number[]): ScatterSeriesOption[] {
  return PHASES.flatMap((phase): ScatterSeriesOption[] => {
    const mine = points.filter((p) => p.phase === phase);
    if (mine.length === 0) return [];
    return [
      {
        type: 'scatter',
        name: `${phase} points`,
        symbolSize: 8,
        itemStyle: { color: COLORS[phase], opacity: 0.85, borderColor: '#fff', borderWidth: 0.5 },
        data: mine.map(xy),
      },
    ];
  });
}

function predictionFigure(points: readonly CalibrationPoint[]): string {
  const all = points.flatMap((p) => [p.measuredMs, p.predictedMs]);
  const r = decadeRange(Math.min(...all), Math.max(...all));
  const guide = (factor: number, name: string, type: 'solid' | 'dashed') => ({
    type: 'line' as const,
    name,
    data: [
      [r.min, r.min * factor],
      [r.max, r.max * factor],
    ],
    symbol: 'none',
    silent: true,
    lineStyle: { color: COLORS.peak, type, width: type === 'solid' ? 1.5 : 1, opacity: type === 'solid' ? 0.8 : 0.5 },
    itemStyle: { color: COLORS.peak },
  });
  const svg = renderChartSvg('predicted-vs-measured', {
    legend: { top: 0, itemGap: 24, textStyle: { color: COLORS.axis, fontSize: 12 }, data: ['prefill points', 'decode points', 'predicted = measured'] },
    grid: { left: 64, right: 28, top: 40, bottom: 52 },
    xAxis: { type: 'log', min: r.min, max: r.max, ...axisStyle('measured (ms)'), nameGap: 30, axisLabel: { color: COLORS.axis, fontSize: 11, formatter: formatSi } },
    yAxis: { type: 'log', min: r.min, max: r.max, ...axisStyle('predicted (ms)'), nameGap: 46, axisLabel: { color: COLORS.axis, fontSize: 11, formatter: formatSi } },
    series: [
      guide(1, 'predicted = measured', 'solid'),
      guide(1.1, '+10%', 'dashed'),
      guide(1 / 1.1, '−10%', 'dashed'),
      ...phaseScatter(points, (p) => [p.measuredMs, p.predictedMs]),
    ],
  });
  const errors = points.map((p) => Math.abs(relativeError(p)));
  const within = errors.filter((e) => e <= 0.1).length;
  return figureHtml({
    id: 'predicted-vs-measured',
    svg,
    caption: `Predicted against measured latency per point (log-log), with predicted = measured and ±10% guides: ${within} of ${points.length} points within 10%, mean absolute error ${formatPercent(errors.reduce((s, e) => s + e, 0) / errors.length, 1)}.`,
  });
}

function errorFigure(points: readonly CalibrationPoint[]): string {
  const x = decadeRange(Math.min(...points.map((p) => p.arithmeticIntensityFlopsPerByte)), Math.max(...points.map((p) => p.arithmeticIntensityFlopsPerByte)));
  const series = phaseScatter(points, (p) => [p.arithmeticIntensityFlopsPerByte, relativeError(p) * 100]);
  if (series.length > 0) {
    series[0].markLine = { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: COLORS.peak, type: 'solid', width: 1 }, data: [{ yAxis: 0 }] };
  }
  const svg = renderChartSvg('prediction-error', {
    legend: { top: 0, itemGap: 24, textStyle: { color: COLORS.axis, fontSize: 12 } },
    grid: { left: 64, right: 28, top: 40, bottom: 52 },
    xAxis: { type: 'log', min: x.min, max: x.max, ...axisStyle('arithmetic intensity (FLOP/byte)'), nameGap: 30, axisLabel: { color: COLORS.axis, fontSize: 11, formatter: formatSi } },
    yAxis: { type: 'value', ...axisStyle('error (predicted − measured) / measured (%)'), nameGap: 46 },
    series,
  });
  const worst = points.reduce((a, b) => (Math.abs(relativeError(b)) > Math.abs(relativeError(a)) ? b : a));
  return figureHtml({
    id: 'prediction-error',
    svg,
    caption: `Relative error of each prediction against arithmetic intensity; largest ${formatPercent(relativeError(worst), 1)} at ${worst.label ?? `${worst.phase}, ${formatNumber(worst.arithmeticIntensityFlopsPerByte)} FLOP/byte`}.`,
  });
}

function roofsTable(report: CalibrationReportInput): string {
  const { xpu, fitted } = report;
  const num = (text: string): Cell => ({ text, className: 'num' });
  const row = (name: string, flops: number, bw: number, overheadSeconds?: number): Cell[] => [
    name,
    num(formatNumber(flops / TERA)),
    num(formatPercent(flops / xpu.peakFlopsPerSecond, 1)),
    num(formatNumber(bw / GIGA)),
    num(formatPercent(bw / xpu.bandwidthBytesPerSecond, 1)),
    num(formatNumber(flops / bw)),
    num(overheadSeconds === undefined ? '—' : formatNumber(overheadSeconds * 1000)),
  ];
  const rows = [row(`${xpu.name} peak (spec)`, xpu.peakFlopsPerSecond, xpu.bandwidthBytesPerSecond)];
  for (const phase of PHASES) {
    const roof = fitted[phase];
    if (roof) rows.push(row(`${phase} fitted`, roof.flopsPerSecond, roof.bandwidthBytesPerSecond, roof.overheadSeconds));
  }
  return tableHtml({
    id: 'roofs',
    caption: 'Roofs',
    header: ['roof', num('TFLOP/s'), num('of peak'), num('GB/s'), num('of peak'), num('ridge FLOP/B'), num('overhead ms')],
    rows,
  });
}

const STATUS_TEXT = { identified: 'determined by the data', 'weakly-identified': 'weakly identified', unidentified: 'not determined' } as const;

/** Which fitted figures the measurements determine, and by which points: a figure one point sets is no measurement. */
function identificationTable(report: CalibrationReportInput): string {
  const rows: Cell[][] = [];
  for (const phase of PHASES) {
    const roof = report.fitted[phase];
    if (!roof?.identification) continue;
    for (const [figure, value, id] of [
      ['FLOP/s', `${formatNumber(roof.flopsPerSecond / TERA)} TFLOP/s`, roof.identification.flops],
      ['bandwidth', `${formatNumber(roof.bandwidthBytesPerSecond / GIGA)} GB/s`, roof.identification.bandwidth],
    ] as const) {
      const by = id.points.length === 0 ? 'no point' : id.points.length <= 4 ? id.points.join(', ') : `${formatNumber(id.points.length)} points`;
      rows.push([
        phase,
        figure,
        { text: value, className: 'num' },
        { text: STATUS_TEXT[id.status], className: id.status === 'identified' ? 'good' : 'bad' },
        `${by}${id.held ? ' (held by the default rule, not fitted)' : ''}`,
      ]);
    }
  }
  if (rows.length === 0) return '';
  return tableHtml({
    id: 'identification',
    caption: 'Which figures the data determine (points mostly in each regime at the fitted figures)',
    header: ['phase', 'figure', { text: 'value', className: 'num' }, 'status', 'set by'],
    rows,
  });
}

function notesHtml(report: CalibrationReportInput): string {
  const notes = PHASES.flatMap((phase) => (report.fitted[phase]?.notes ?? []).map((n) => `${phase}: ${n}`));
  if (notes.length === 0) return '';
  return `<ul id="fit-notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`;
}

function fitTable(report: CalibrationReportInput): string {
  if (report.fit.length === 0) return '';
  const num = (text: string): Cell => ({ text, className: 'num' });
  return tableHtml({
    id: 'fit',
    caption: 'Fit quality',
    header: ['phase', num('points'), num('MAPE'), num('max error'), num('R²')],
    rows: report.fit.map((f) => [
      f.phase,
      num(formatNumber(f.points)),
      num(formatPercent(f.mape)),
      num(f.maxAbsoluteRelativeError === undefined ? '—' : formatPercent(f.maxAbsoluteRelativeError)),
      num(f.r2.toFixed(4)),
    ]),
  });
}

function configurationTable(report: CalibrationReportInput): string {
  if (report.configuration.length === 0) return '';
  return tableHtml({
    id: 'configuration',
    caption: 'Configuration',
    header: ['setting', 'value'],
    rows: report.configuration.map((e) => [{ text: e.key, className: 'key' }, String(e.value)]),
  });
}

function pointsDetails(points: readonly CalibrationPoint[]): string {
  const num = (text: string, className = 'num'): Cell => ({ text, className });
  const table = tableHtml({
    id: 'points',
    caption: 'Measured points',
    header: ['phase', 'point', num('FLOP/byte'), num('TFLOP/s'), num('measured ms'), num('predicted ms'), num('error')],
    rows: points.map((p) => {
      const error = relativeError(p);
      return [
        p.phase,
        p.label ?? '',
        num(formatNumber(p.arithmeticIntensityFlopsPerByte)),
        num(formatNumber(p.attainedFlopsPerSecond / TERA)),
        num(formatNumber(p.measuredMs)),
        num(formatNumber(p.predictedMs)),
        num(formatPercent(error, 1), Math.abs(error) <= 0.1 ? 'num good' : 'num bad'),
      ];
    }),
  });
  return `<details><summary>All ${formatNumber(points.length)} points with their error</summary>${table}</details>`;
}
