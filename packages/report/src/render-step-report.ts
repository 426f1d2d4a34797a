import type { EChartsOption } from 'echarts';
import { z } from 'zod';
import { ConfigurationEntrySchema } from './common-schemas.ts';
import { ReportError, formatIssues } from './errors.ts';
import { formatMs, formatNumber, formatPercent, formatSi } from './format-number.ts';
import { figureHtml, metricCardsHtml, pageHtml, sectionHtml, tableHtml } from './html.ts';
import { COLORS, axisStyle, renderChartSvg } from './render-chart.ts';

/** One operator of an engine step, summed over the layers, per device. */
export const StepOperatorSchema = z.object({
  op: z.string().min(1),
  seconds: z.number().nonnegative(),
  flops: z.number().nonnegative(),
  bytes: z.number().nonnegative(),
  bound: z.enum(['compute', 'memory']),
});
/** One operator of an engine step (see `StepOperatorSchema`): seconds, FLOPs, bytes and what bounds it. */
export type StepOperator = z.infer<typeof StepOperatorSchema>;

/** What a step report shows: the device's roofs, the step's operators and total time (seconds), and the settings. */
export const StepReportInputSchema = z.object({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  /** The device's roofs: peak FLOP/s in the step's compute dtype, and memory bandwidth. */
  roof: z.object({ peakFlopsPerSecond: z.number().positive(), bandwidthBytesPerSecond: z.number().positive(), dtype: z.string().min(1) }),
  operators: z.array(StepOperatorSchema).min(1),
  totalSeconds: z.number().positive(),
  configuration: z.array(ConfigurationEntrySchema).default([]),
});
/** What a step report shows, as validated (see `StepReportInputSchema`). */
export type StepReportInput = z.infer<typeof StepReportInputSchema>;
/** What a step report shows, as given to `renderStepReport`. */
export type StepReportInputInput = z.input<typeof StepReportInputSchema>;

/**
 * One engine step (`llm-sim step --report`): its operators placed by arithmetic intensity and the FLOP/s they
 * attain under the device's compute and bandwidth roofs (log-log), coloured compute- or memory-bound, and the
 * breakdown table. Throws `ReportError` with code `INVALID_INPUT` naming the offending field.
 */
export function renderStepReport(input: StepReportInputInput): string {
  const parsed = StepReportInputSchema.safeParse(input);
  if (!parsed.success) throw new ReportError('INVALID_INPUT', `step report input: ${formatIssues(parsed.error.issues)}`);
  const report = parsed.data;
  const { roof } = report;
  const ridge = roof.peakFlopsPerSecond / roof.bandwidthBytesPerSecond;
  const placed = report.operators.filter((o) => o.flops > 0 && o.bytes > 0 && o.seconds > 0);
  const points = placed.map((o) => ({ op: o.op, bound: o.bound, intensity: o.flops / o.bytes, flopsPerSecond: o.flops / o.seconds }));
  const xs = points.map((p) => p.intensity);
  const xMin = 10 ** Math.floor(Math.log10(Math.min(ridge / 100, ...xs)));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(ridge * 10, ...xs)));
  const roofAt = (x: number) => Math.min(roof.peakFlopsPerSecond, x * roof.bandwidthBytesPerSecond);
  const option: EChartsOption = {
    grid: { left: 72, right: 40, top: 36, bottom: 56 },
    legend: { top: 0, textStyle: { fontSize: 11, color: COLORS.axis } },
    xAxis: { type: 'log', min: xMin, max: xMax, ...axisStyle('arithmetic intensity (FLOP/byte)'), nameGap: 30, axisLabel: { color: COLORS.axis, fontSize: 11, formatter: (v: number) => formatSi(v) } },
    yAxis: { type: 'log', ...axisStyle('attained FLOP/s per device'), nameGap: 52, axisLabel: { color: COLORS.axis, fontSize: 11, formatter: (v: number) => formatSi(v) } },
    series: [
      {
        type: 'line',
        name: 'roof',
        data: [xMin, ridge, xMax].map((x) => [x, roofAt(x)]),
        showSymbol: false,
        lineStyle: { color: COLORS.peak, width: 2 },
        itemStyle: { color: COLORS.peak },
      },
      ...(['memory', 'compute'] as const).map((bound) => ({
        type: 'scatter' as const,
        name: `${bound}-bound`,
        symbolSize: 9,
        itemStyle: { color: bound === 'memory' ? COLORS.decode : COLORS.prefill },
        label: { show: true, position: 'right' as const, fontSize: 10, color: COLORS.axis, formatter: '{b}' },
        labelLayout: { hideOverlap: true },
        data: points.filter((p) => p.bound === bound).map((p) => ({ name: p.op, value: [p.intensity, p.flopsPerSecond] })),
      })),
    ],
  };
  const figure = figureHtml({
    id: 'step-roofline',
    wide: true,
    svg: renderChartSvg('step-roofline', option, { widthPixels: 1100, heightPixels: 440 }),
    caption:
      `Each operator of the step at its arithmetic intensity and the FLOP/s it attains, under the ${roof.dtype} peak of ` +
      `${formatSi(roof.peakFlopsPerSecond)} FLOP/s and ${formatSi(roof.bandwidthBytesPerSecond)} B/s (ridge at ${formatNumber(ridge)} FLOP/byte); ` +
      `${points.filter((p) => p.bound === 'memory').length} memory-bound, ${points.filter((p) => p.bound === 'compute').length} compute-bound` +
      (placed.length < report.operators.length ? `; ${report.operators.length - placed.length} without FLOPs or bytes left out of the chart.` : '.'),
  });
  const flops = report.operators.reduce((s, o) => s + o.flops, 0);
  const bytes = report.operators.reduce((s, o) => s + o.bytes, 0);
  const cards = metricCardsHtml([
    { label: 'step time', value: formatMs(report.totalSeconds * 1000) },
    { label: 'arithmetic intensity (FLOP/byte)', value: formatNumber(bytes > 0 ? flops / bytes : 0), note: `ridge ${formatNumber(ridge)}` },
    { label: 'work', value: `${formatSi(flops)} FLOP`, note: `${formatSi(bytes)} B moved` },
  ]);
  const table = tableHtml({
    id: 'breakdown',
    caption: 'Time by operator (summed over layers)',
    header: ['operator', ...['time', 'share', 'FLOP', 'bytes', 'FLOP/byte'].map((text) => ({ text, className: 'num' })), 'bound'],
    rows: report.operators.map((o) => [
      { text: o.op, className: 'key' },
      { text: formatMs(o.seconds * 1000), className: 'num' },
      { text: formatPercent(o.seconds / report.totalSeconds, 1), className: 'num' },
      { text: formatSi(o.flops), className: 'num' },
      { text: formatSi(o.bytes), className: 'num' },
      { text: o.bytes > 0 ? formatNumber(o.flops / o.bytes) : '—', className: 'num' },
      o.bound,
    ]),
  });
  const configuration =
    report.configuration.length > 0
      ? tableHtml({ id: 'configuration', caption: 'Configuration', header: ['setting', 'value'], rows: report.configuration.map((e) => [{ text: e.key, className: 'key' }, String(e.value)]) })
      : '';
  const body = [cards, sectionHtml('Roofline', `<div class="charts">${figure}</div>`), sectionHtml('Breakdown', `${table}${configuration}`)].join('\n');
  return pageHtml({ title: report.title, subtitle: report.subtitle, body, kind: 'step' });
}
