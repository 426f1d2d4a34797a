import type { PhaseFit } from '@llm-sim/calibration';
import type { MemoryPlan } from '@llm-sim/roofline';
import { outputThroughputSeries } from '@llm-sim/simulator';
import type { CalibrationOutcome } from './calibrate.ts';
import { describeWorkload } from './describe-workload.ts';
import { FactoryError } from './errors.ts';
import type { ReadTextFile } from './file-access.ts';
import { resolveXpu } from './specs.ts';
import type { StepReport, StepRequest } from './step.ts';
import type { CompareReport } from './compare.ts';
import type { DisaggregatedRun } from './disaggregated.ts';
import type { SimulationRun } from './simulation.ts';
import { SEARCH_TABLE_LEGEND, describeSearch, searchTable, skippedLines, topCommands, type SearchReport } from './search.ts';

// The report package renders with ECharts, the largest module we have: loaded when a report is written, not at start-up.
const loadReport = () => import('@llm-sim/report');

const finiteMs = (seconds: Float64Array): number[] => {
  const out: number[] = [];
  for (const s of seconds) if (Number.isFinite(s)) out.push(s * 1000);
  return out;
};

/** The engine limits each pool ran with (vLLM's per-device defaults where the config was silent). */
function schedulerRows(run: SimulationRun | DisaggregatedRun) {
  if ('performanceModel' in run) {
    return [
      { key: 'max_num_seqs', value: run.scheduler.maxNumSeqs },
      { key: 'max_num_batched_tokens', value: run.scheduler.maxNumBatchedTokens },
    ];
  }
  const { prefill, decode } = run;
  return [
    { key: 'max_num_seqs (prefill / decode)', value: `${prefill.scheduler.maxNumSeqs} / ${decode.scheduler.maxNumSeqs}` },
    { key: 'max_num_batched_tokens (prefill / decode)', value: `${prefill.scheduler.maxNumBatchedTokens} / ${decode.scheduler.maxNumBatchedTokens}` },
  ];
}

/** How the devices are laid out, in the report's words. */
function describeLayout(run: SimulationRun | DisaggregatedRun) {
  const c = run.config.cluster;
  if ('performanceModel' in run) {
    return {
      title: `${c.num_replicas} x ${run.xpu.name}`,
      description: run.performanceModel.describe(),
      configuration: [
        { key: 'xpu', value: run.xpu.name },
        { key: 'tp', value: run.config.parallelism.tp },
        { key: 'pp', value: run.config.parallelism.pp },
        { key: 'replicas', value: c.num_replicas },
        { key: 'KV-cache blocks per replica', value: run.kvCacheBlocksPerReplica },
      ],
    };
  }
  const { prefill, decode } = run;
  return {
    title: `${c.prefill_instances}P${c.decode_instances}D (${prefill.xpu.name} TP${prefill.tp} / ${decode.xpu.name} TP${decode.tp})`,
    description: `disaggregated; prefill ${prefill.performanceModel.describe()}; decode ${decode.performanceModel.describe()}`,
    configuration: [
      { key: 'prefill instances', value: c.prefill_instances },
      { key: 'prefill xpu / tp', value: `${prefill.xpu.name} / ${prefill.tp}` },
      { key: 'decode instances', value: c.decode_instances },
      { key: 'decode xpu / tp', value: `${decode.xpu.name} / ${decode.tp}` },
      { key: 'KV link', value: `${c.kv_transfer_gbit_per_s} Gb/s + ${c.kv_transfer_latency_ms} ms` },
      { key: 'KV-cache blocks (prefill / decode)', value: `${prefill.kvCacheBlocks} / ${decode.kvCacheBlocks}` },
    ],
  };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/** One pool's memory plan per device, as `llm-sim simulate` prints it. */
function memoryLine(plan: MemoryPlan, blocks: number, instances: number, what: string): string {
  return (
    `weights ${gb(plan.weightBytesPerDevice)}, KV cache ${gb(plan.kvCacheBytesAvailablePerDevice)} per device ` +
    `(${plan.maxKvCacheTokens.toLocaleString('en-US')} tokens, ${blocks.toLocaleString('en-US')} blocks) x ${instances} ${what}`
  );
}

/** What a reader needs before any figure: the workload, the memory plan, the performance model, the SLOs. */
function setupRows(run: SimulationRun | DisaggregatedRun) {
  const { config } = run;
  const w = config.workload;
  const slo = Object.entries(config.goodput ?? {})
    .filter(([, ms]) => ms !== undefined)
    .map(([k, ms]) => `${k.toUpperCase()} <= ${ms} ms`);
  const rows = [
    { key: 'workload', value: describeWorkload(config).replace(/^workload: /, '') },
    { key: 'concurrency', value: w.max_concurrency === undefined ? 'no limit' : `at most ${w.max_concurrency} requests outstanding` },
  ];
  if ('performanceModel' in run) {
    rows.push(
      { key: 'memory plan', value: memoryLine(run.memoryPlan, run.kvCacheBlocksPerReplica, config.cluster.num_replicas, 'replica(s)') },
      { key: 'performance model', value: run.performanceModel.describe() },
    );
  } else {
    rows.push(
      { key: 'memory plan, prefill', value: memoryLine(run.prefill.memoryPlan, run.prefill.kvCacheBlocks, config.cluster.prefill_instances, 'instance(s)') },
      { key: 'memory plan, decode', value: memoryLine(run.decode.memoryPlan, run.decode.kvCacheBlocks, config.cluster.decode_instances, 'instance(s)') },
      { key: 'performance model, prefill', value: run.prefill.performanceModel.describe() },
      { key: 'performance model, decode', value: run.decode.performanceModel.describe() },
    );
  }
  rows.push({ key: 'SLOs (goodput)', value: slo.length > 0 ? slo.join(', ') : 'none given (--goodput ttft:MS tpot:MS)' });
  return rows;
}

/** The simulation report: latency CDFs with SLOs, series over time, where the step time goes. */
export async function renderSimulationRunReport(run: SimulationRun | DisaggregatedRun): Promise<string> {
  const { renderSimulationReport } = await loadReport();
  const { config, result, summary } = run;
  const layout = describeLayout(run);
  const itl = result.itlSeconds;
  // The ITL distribution is kept as a quantile sketch: 2,000 evenly spaced quantiles stand for its samples.
  const itlMs = itl.count > 0 ? Array.from({ length: 2000 }, (_, k) => itl.quantile((k + 0.5) / 2000) * 1000) : [];
  const series = result.series;
  const at = (values: number[]) => ({ timeSeconds: series.timeSeconds, values });
  return renderSimulationReport({
    title: `${run.model.name} on ${layout.title}`,
    subtitle: `${layout.description}; ${summary.completed} requests completed, ${summary.failed} failed`,
    setup: setupRows(run),
    configuration: [
      { key: 'model', value: run.model.name },
      ...layout.configuration,
      { key: 'router', value: config.cluster.router },
      { key: 'performance model', value: config.performance_model.model_type },
      { key: 'requests', value: config.workload.trace ?? config.workload.dataset ?? config.workload.num_requests },
      { key: 'request rate', value: String(config.workload.request_rate) },
      ...schedulerRows(run),
      { key: 'seed', value: config.seed },
    ],
    summary: Object.fromEntries(Object.entries(summary).filter(([, v]) => typeof v === 'number' || typeof v === 'string' || v === null)) as Record<string, number | string | null>,
    latencySamplesMs: {
      ttft: finiteMs(result.requests.ttftSeconds),
      tpot: finiteMs(result.requests.tpotSeconds),
      itl: itlMs,
      e2el: finiteMs(result.requests.e2elSeconds),
    },
    slo: { ttftMs: config.goodput?.ttft, tpotMs: config.goodput?.tpot, e2elMs: config.goodput?.e2el },
    timeSeries: {
      // Output tokens per second as they stream (each request's tokens spread over its decode), as --output-timeseries writes it.
      throughputTokensPerSecond: at(outputThroughputSeries(result.requests, series.timeSeconds)),
      queueLength: at(series.waitingRequests),
      runningBatchSize: at(series.batchSize),
      kvCacheUtilization: at(series.kvCacheUtilization.map((u) => Math.min(1, Math.max(0, u)))),
    },
    operatorTime: Object.entries(result.operatorSeconds).map(([op, seconds]) => ({ op, seconds: seconds ?? 0 })),
  });
}

const fittedRoof = (phase: PhaseFit) => ({
  ...phase.figures,
  identification: {
    flops: { ...phase.identification.flops, points: [...phase.identification.flops.points] },
    bandwidth: { ...phase.identification.bandwidth, points: [...phase.identification.bandwidth.points] },
  },
  notes: [...phase.notes],
});

/** The calibration report: the roofline plot with the fitted roofs, predicted against measured. */
export async function renderCalibrationOutcomeReport(outcome: CalibrationOutcome): Promise<string> {
  const { renderCalibrationReport } = await loadReport();
  const { fit, parameters, roofline, annotated } = outcome;
  const excluded = new Set(fit.excluded.map((e) => e.index));
  // The estimator keeps each phase's points in input order, less the excluded ones.
  const points = [fit.prefill, fit.decode].flatMap((phase) => {
    if (!phase) return [];
    const inputs = annotated.filter((a, i) => a.phase === phase.phase && !excluded.has(i));
    return phase.points.flatMap((p, k) => {
      const flops = (inputs[k]?.operators ?? []).reduce((sum, o) => sum + o.flops, 0);
      if (!(p.arithmeticIntensity > 0) || !(flops > 0)) return [];
      return [{
        phase: phase.phase,
        label: p.label,
        arithmeticIntensityFlopsPerByte: p.arithmeticIntensity,
        attainedFlopsPerSecond: flops / p.measuredSeconds,
        measuredMs: p.measuredSeconds * 1000,
        predictedMs: p.predictedSeconds * 1000,
      }];
    });
  });
  return renderCalibrationReport({
    title: `Calibration: ${parameters.model} on ${parameters.xpu} (tp=${parameters.tp})`,
    subtitle: parameters.source.description,
    configuration: [
      { key: 'model', value: parameters.model },
      { key: 'xpu', value: parameters.xpu },
      { key: 'tp', value: parameters.tp },
      { key: 'engine', value: `${parameters.engine}${parameters.engine_version ? ` ${parameters.engine_version}` : ''}` },
      { key: 'files', value: parameters.source.files.join(', ') },
    ],
    xpu: {
      name: roofline.xpu.name,
      peakFlopsPerSecond: roofline.figures.prefill.flopsPerSecond,
      bandwidthBytesPerSecond: roofline.figures.prefill.bandwidthBytesPerSecond,
    },
    fitted: { prefill: fit.prefill && fittedRoof(fit.prefill), decode: fit.decode && fittedRoof(fit.decode) },
    points,
    fit: [fit.prefill, fit.decode].flatMap((f) => (f ? [{ phase: f.phase, mape: f.mape, r2: Math.min(1, f.r2), points: f.points.length, maxAbsoluteRelativeError: f.maxAbsoluteRelativeError }] : [])),
  });
}

/** The sweep report from the records `describeRun` gives, one per simulation, in sweep order. */
export async function renderSweepReport(records: readonly Record<string, unknown>[]): Promise<string> {
  const { renderSweepReport: renderSweepPage } = await loadReport();
  const n = (r: Record<string, unknown>, k: string) => (typeof r[k] === 'number' ? (r[k] as number) : 0);
  const rates = new Set(records.map((r) => String(r.request_rate)));
  const caps = new Set(records.map((r) => String(r.max_concurrency)));
  const first = records[0] ?? {};
  return renderSweepPage({
    title: `${String(first.model)} sweep: ${records.length} simulations`,
    subtitle: `${String(first.xpu ?? `${String(first.prefill_xpu)} / ${String(first.decode_xpu)}`)}, ${String(first.num_devices)} device(s), ${String(first.performance_model)} performance model`,
    points: records.map((r) => ({
      label: [rates.size > 1 || caps.size === 1 ? `rate ${String(r.request_rate)}` : '', caps.size > 1 ? `C=${String(r.max_concurrency)}` : ''].filter(Boolean).join(' '),
      requestThroughput: n(r, 'request_throughput'),
      outputThroughputPerDevice: n(r, 'output_throughput_per_device'),
      outputThroughputPerUser: n(r, 'output_throughput_per_user'),
      meanTtftMs: n(r, 'mean_ttft_ms'),
      p99TtftMs: n(r, 'p99_ttft_ms'),
      meanTpotMs: n(r, 'mean_tpot_ms'),
      p99TpotMs: n(r, 'p99_tpot_ms'),
      meanE2elMs: n(r, 'mean_e2el_ms'),
      p99E2elMs: n(r, 'p99_e2el_ms'),
    })),
    configuration: [
      { key: 'model', value: String(first.model) },
      { key: 'request rates', value: [...rates].join(', ') },
      { key: 'max concurrency', value: [...caps].map((c) => (c === 'null' ? 'none' : c)).join(', ') },
      { key: 'burstiness', value: n(first, 'burstiness') },
    ],
  });
}

/** The search report: the Pareto chart, the ranked table and the `vllm serve` lines of the best deployments. */
export async function renderSearchReportHtml(report: SearchReport, options: { readonly top?: number } = {}): Promise<string> {
  const { renderSearchReport } = await loadReport();
  const front = new Set(report.pareto);
  const s = report.search;
  const workload = s.workload;
  const length = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v));
  return renderSearchReport({
    title: `Deployment search: ${s.model}`,
    subtitle: describeSearch(report),
    points: report.points.flatMap((p) =>
      p.output_throughput_per_user === null || p.output_throughput_per_device === null
        ? []
        : [
            {
              // The chart names the layout, xpu and dtype; the table below has the scheduler limits too.
              label: p.label.replace(/ seqs=.*$/, ''),
              tokensPerSecondPerUser: p.output_throughput_per_user,
              tokensPerSecondPerDevice: p.output_throughput_per_device,
              onFront: front.has(p.id),
              group: `${p.deployment.kind} ${p.deployment.xpu} ${p.deployment.quantization}`,
            },
          ],
    ),
    table: searchTable(report, options.top ?? 50),
    notes: [...skippedLines(report), SEARCH_TABLE_LEGEND],
    commands: topCommands(report, 3),
    configuration: [
      { key: 'model', value: s.model },
      { key: 'xpus', value: s.xpus.join(', ') },
      { key: 'devices', value: s.space.num_devices.join(', ') },
      { key: 'quantizations', value: s.space.quantizations.join(', ') },
      { key: 'pp', value: s.space.pp.join(', ') },
      { key: 'max_num_seqs', value: s.space.max_num_seqs.join(', ') },
      { key: 'max_num_batched_tokens', value: s.space.max_num_batched_tokens.join(', ') },
      { key: 'SLOs', value: Object.entries(s.goodput).map(([k, v]) => `${k} <= ${v} ms`).join(', ') },
      { key: 'SLO percentile', value: s.slo_percentile },
      { key: 'requests per simulation', value: workload.num_requests },
      { key: 'input / output tokens', value: workload.trace ? `from ${workload.trace}` : workload.dataset ? `from dataset ${workload.dataset}` : `${length(workload.input_len)} / ${length(workload.output_len)}` },
      { key: 'performance model', value: s.performance_model.model_type },
      { key: 'seed', value: s.seed },
    ],
  });
}

/** One saved run: its file name and text (`llm-sim simulate --json`, `--save-result`, or `vllm bench serve --save-result`). */
export interface SavedRun {
  readonly label: string;
  readonly text: string;
}

/** What made a saved run, from the keys its file has. */
function runSource(json: Record<string, unknown>): string {
  if (typeof json.performance_model === 'string') {
    const where = typeof json.xpu === 'string' ? ` on ${json.xpu}${typeof json.tp === 'number' ? ` tp=${json.tp}` : ''}` : '';
    return `llm-sim ${json.performance_model}${typeof json.model === 'string' ? `, ${json.model}` : ''}${where}`;
  }
  const parts = [json.backend, json.model_id, json.date].filter((v) => typeof v === 'string' && v !== '');
  return parts.length > 0 ? `vllm bench serve: ${parts.join(', ')}` : 'a result file';
}

/**
 * Several runs saved with `--json` or as vLLM result files (`--save-result`), overlaid in one report: their
 * latency percentiles as curves, their throughputs side by side, every shared metric in one table. A file that
 * is not a JSON object with vLLM's keys is refused, named.
 */
export async function renderRunsReportHtml(runs: readonly SavedRun[]): Promise<{ html: string; runs: number }> {
  const { renderRunsReport } = await loadReport();
  // A sweep's vLLM result file (`--result-filename`) holds one run a line: each becomes a run of its own.
  const split = runs.flatMap(({ label, text }) => {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    return lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{') && l.trimEnd().endsWith('}'))
      ? lines.map((line, i) => ({ label: `${label} #${i + 1}`, text: line }))
      : [{ label, text }];
  });
  const entries = split.map(({ label, text }) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new FactoryError('INVALID_CONFIG', `${label} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new FactoryError('INVALID_CONFIG', `${label} holds ${Array.isArray(json) ? 'an array (a sweep: save one run per file)' : 'no JSON object'}; expected one run saved with --json or --save-result`);
    }
    const record = json as Record<string, unknown>;
    const metrics = Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
    if (!('request_throughput' in metrics) && !Object.keys(metrics).some((k) => k.endsWith('_ttft_ms'))) {
      throw new FactoryError('INVALID_CONFIG', `${label} has neither request_throughput nor TTFT percentiles: not a run saved with --json or --save-result`);
    }
    return { label, source: runSource(record), metrics };
  });
  const html = renderRunsReport({
    title: `${entries.length} runs compared`,
    subtitle: runs.map((r) => r.label).join(' · '),
    runs: entries,
  });
  return { html, runs: entries.length };
}

/**
 * One engine step (`llm-sim step --report`): its operators on the xpu's roofline and the breakdown. The roofs are
 * the xpu's peak in the step's compute dtype (fp8 under `--quantization fp8` where the xpu has fp8 tensor cores,
 * else bf16) and its memory bandwidth.
 */
export async function renderStepReportHtml(step: StepReport, request: Pick<StepRequest, 'xpu' | 'quantization'>, readTextFile: ReadTextFile): Promise<string> {
  const { renderStepReport } = await loadReport();
  const xpu = await resolveXpu(request.xpu, readTextFile);
  const dtype = request.quantization === 'fp8' && xpu.peakFlopsPerSecond.fp8 ? 'fp8' : 'bf16';
  const shape = step.phase === 'prefill' ? `prefill of ${step.batch_size} x ${step.input_len} tokens` : `decode of ${step.batch_size} sequences at context ${step.context_len}`;
  return renderStepReport({
    title: `${step.model} on ${step.xpu}: one ${shape}`,
    subtitle: `${step.performance_model_description}; ${step.error_band.text}`,
    roof: { peakFlopsPerSecond: xpu.peakFlopsPerSecond[dtype] ?? xpu.peakFlopsPerSecond.bf16!, bandwidthBytesPerSecond: xpu.memoryBandwidthBytesPerSecond, dtype },
    operators: step.breakdown.map((o) => ({ op: o.op, seconds: o.ms / 1000, flops: o.flops, bytes: o.bytes, bound: o.bound === 'compute' ? 'compute' : 'memory' })),
    totalSeconds: step.total_ms / 1000,
    configuration: [
      { key: 'model', value: step.model },
      { key: 'xpu', value: step.xpu },
      { key: 'tp / pp', value: `${step.tp} / ${step.pp}` },
      { key: 'phase', value: step.phase },
      { key: 'batch size', value: step.batch_size },
      { key: step.phase === 'prefill' ? 'input tokens' : 'context tokens', value: String(step.phase === 'prefill' ? step.input_len : step.context_len) },
      { key: 'performance model', value: step.performance_model },
    ],
  });
}

/** `llm-sim compare --report`: every layout that ran, overlaid as runs (latency percentiles, throughputs, one table). */
export async function renderCompareReportHtml(report: CompareReport): Promise<string> {
  const { renderRunsReport } = await loadReport();
  const slo = Object.entries(report.goodput ?? {})
    .filter(([, ms]) => ms !== undefined)
    .map(([k, ms]) => `${k.toUpperCase()} <= ${ms} ms`);
  const numbers = (record: object) => Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
  return renderRunsReport({
    title: `${report.model} on ${report.numDevices} x ${report.xpu}: ${report.rows.length} layouts compared`,
    subtitle:
      `best first by goodput per device; SLOs ${slo.length > 0 ? slo.join(', ') : 'none'}; KV link ${report.kvTransferGbitPerS} Gb/s + ${report.kvTransferLatencyMs} ms per transfer` +
      (report.skipped.length > 0 ? `; not run: ${report.skipped.map((s) => `${s.layout} (${s.reason})`).join('; ')}` : ''),
    runs: report.rows.map((row) => {
      const { summary, ...rest } = row;
      return { label: row.layout, source: `${row.kind}, ${row.devices} devices`, metrics: { ...numbers(summary), ...numbers(rest) } };
    }),
  });
}
