import type { EChartsOption } from 'echarts';
import { z } from 'zod';
import { ReportError, formatIssues } from './errors.ts';
import { SECONDS_FROM_MS, formatMs, formatNumber, formatPercent } from './format-number.ts';
import { figureHtml, pageHtml, sectionHtml, tableHtml, type Cell } from './html.ts';
import { COLORS, axisStyle, renderChartSvg } from './render-chart.ts';

const LATENCY_METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;
type LatencyMetric = (typeof LATENCY_METRICS)[number];
const LATENCY_NAMES: Record<LatencyMetric, string> = {
  ttft: 'Time to first token (TTFT)',
  tpot: 'Time per output token (TPOT)',
  itl: 'Inter-token latency (ITL)',
  e2el: 'End-to-end latency (E2EL)',
};

/** One run as its result file reports it: vLLM's summary keys, with the percentiles it kept. */
export const RunReportEntrySchema = z.object({
  /** Which run: the file name, or a label. */
  label: z.string().min(1),
  /** What made it, when the file says: "llm-sim vllm_roofline", "vllm 0.11.0". */
  source: z.string().optional(),
  /** vLLM's keys and values (`request_throughput`, `p99_ttft_ms`, ...). */
  metrics: z.record(z.string(), z.number()),
});
/** One run as its result file reports it (see `RunReportEntrySchema`). */
export type RunReportEntry = z.infer<typeof RunReportEntrySchema>;

/** What a runs report shows: a title, an optional subtitle, and at least one run. */
export const RunsReportInputSchema = z.object({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  runs: z.array(RunReportEntrySchema).min(1),
});
/** What a runs report shows, as validated (see `RunsReportInputSchema`). */
export type RunsReportInput = z.infer<typeof RunsReportInputSchema>;
/** What a runs report shows, as given to `renderRunsReport`. */
export type RunsReportInputInput = z.input<typeof RunsReportInputSchema>;

/** One colour per run, the first the report's series colour. */
const RUN_COLORS = [COLORS.series, COLORS.prefill, COLORS.decode, '#8e24aa', '#00897b', '#f4511e', '#3949ab', '#6d4c41'];

const THROUGHPUTS = [
  { key: 'request_throughput', name: 'requests/s' },
  { key: 'request_goodput', name: 'goodput (requests/s within the SLOs)' },
  { key: 'output_throughput', name: 'output tokens/s' },
  { key: 'total_token_throughput', name: 'total tokens/s (input + output)' },
] as const;

/** The percentiles a run kept for a metric, as [percentile, ms] sorted by percentile (`median_` is p50). */
function percentilesOf(metrics: Record<string, number>, metric: LatencyMetric): [number, number][] {
  const out: [number, number][] = [];
  for (const [key, value] of Object.entries(metrics)) {
    const m = new RegExp(`^(?:p(\\d+(?:\\.\\d+)?)|(median))_${metric}_ms$`).exec(key);
    if (m) out.push([m[2] ? 50 : Number(m[1]), value]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * Several runs overlaid in one page (`llm-sim report a.json b.json -o diff.html`): for each latency, the
 * percentiles every run kept drawn as a curve per run (the CDF at the points the files hold), the throughputs
 * side by side, and one table of every metric the runs share with each run's change against the first.
 * Throws `ReportError` with code `INVALID_INPUT` naming the offending field.
 */
export function renderRunsReport(input: RunsReportInputInput): string {
  const parsed = RunsReportInputSchema.safeParse(input);
  if (!parsed.success) throw new ReportError('INVALID_INPUT', `runs report input: ${formatIssues(parsed.error.issues)}`);
  const report = parsed.data;
  const color = (i: number) => RUN_COLORS[i % RUN_COLORS.length];

  const latencyFigures = LATENCY_METRICS.flatMap((metric) => {
    const curves = report.runs.map((run) => percentilesOf(run.metrics, metric));
    if (curves.every((c) => c.length < 2)) return [];
    const maxMs = Math.max(...curves.flat().map(([, ms]) => ms));
    const unit = maxMs >= SECONDS_FROM_MS ? 1000 : 1;
    const option: EChartsOption = {
      grid: { left: 56, right: 24, top: 16 + 20 * Math.ceil(report.runs.length / 3), bottom: 52 },
      legend: { top: 0, textStyle: { fontSize: 11, color: COLORS.axis } },
      xAxis: { type: 'value', min: 0, ...axisStyle(`${metric.toUpperCase()} (${unit === 1 ? 'ms' : 's'})`), nameGap: 30 },
      yAxis: {
        type: 'value',
        min: 0,
        max: 100,
        interval: 25,
        ...axisStyle('percentile'),
        nameGap: 40,
      },
      series: report.runs.map((run, i) => ({
        type: 'line' as const,
        name: run.label,
        data: curves[i].map(([p, ms]) => [ms / unit, p]),
        symbolSize: 6,
        lineStyle: { width: 2, color: color(i), type: i === 0 ? ('solid' as const) : ('dashed' as const) },
        itemStyle: { color: color(i) },
      })),
    };
    const id = `${metric}-percentiles`;
    const points = curves.map((c) => c.length);
    return [
      figureHtml({
        id,
        svg: renderChartSvg(id, option),
        caption: `${LATENCY_NAMES[metric]}: the percentiles each run's file holds (${points.join(', ')} points), one curve per run; p50 is the median.`,
      }),
    ];
  });

  const throughputs = THROUGHPUTS.filter((t) => report.runs.some((r) => typeof r.metrics[t.key] === 'number'));
  const throughputFigure =
    throughputs.length === 0
      ? ''
      : figureHtml({
          id: 'throughput',
          wide: true,
          svg: renderChartSvg(
            'throughput',
            {
              grid: { left: 72, right: 24, top: 16 + 20 * Math.ceil(report.runs.length / 3), bottom: 40 },
              legend: { top: 0, textStyle: { fontSize: 11, color: COLORS.axis } },
              xAxis: { type: 'category', data: throughputs.map((t) => t.name), axisLabel: { color: COLORS.axis, fontSize: 11 } },
              yAxis: { type: 'log', ...axisStyle('per second'), nameGap: 48 },
              series: report.runs.map((run, i) => ({
                type: 'bar' as const,
                name: run.label,
                itemStyle: { color: color(i) },
                data: throughputs.map((t) => run.metrics[t.key] ?? null),
              })),
            },
            { widthPixels: 1100, heightPixels: 340 },
          ),
          caption: `Throughputs of each run (log scale): ${throughputs.map((t) => t.name).join(', ')}.`,
        });

  const keys = [...new Set(report.runs.flatMap((r) => Object.keys(r.metrics)))].filter((k) => report.runs.filter((r) => k in r.metrics).length >= Math.min(2, report.runs.length));
  const base = report.runs[0];
  const show = (key: string, value: number | undefined) => (value === undefined ? '—' : key.endsWith('_ms') ? formatMs(value) : formatNumber(value));
  const rows: Cell[][] = keys.map((key) => [
    { text: key, className: 'key' },
    ...report.runs.flatMap((run, i) => {
      const value = run.metrics[key];
      const cells: Cell[] = [{ text: show(key, value), className: 'num' }];
      if (i > 0) {
        const before = base.metrics[key];
        const change = before !== undefined && value !== undefined && before !== 0 ? formatPercent((value - before) / Math.abs(before), 1) : '—';
        cells.push({ text: change.startsWith('-') || change === '—' ? change : `+${change}`, className: 'num' });
      }
      return cells;
    }),
  ]);
  const table = tableHtml({
    id: 'runs',
    caption: `Every metric the runs share, with each run's change against ${base.label}`,
    header: ['metric', ...report.runs.flatMap((r, i) => (i === 0 ? [{ text: r.label, className: 'num' }] : [{ text: r.label, className: 'num' }, { text: 'change', className: 'num' }]))],
    rows,
  });
  const sources = tableHtml({
    id: 'sources',
    caption: 'The runs',
    header: ['run', 'made by'],
    rows: report.runs.map((r) => [{ text: r.label, className: 'key' }, r.source ?? '—']),
  });
  const body = [
    sources,
    latencyFigures.length > 0 ? sectionHtml('Latency percentiles, overlaid', `<div class="charts">${latencyFigures.join('\n')}</div>`) : '',
    throughputFigure ? sectionHtml('Throughput', `<div class="charts">${throughputFigure}</div>`) : '',
    sectionHtml('Side by side', table),
  ].join('\n');
  return pageHtml({ title: report.title, subtitle: report.subtitle, body, kind: 'runs' });
}
