/// <reference lib="webworker" />
import {
  computeStep,
  describeModels,
  describeRun,
  describeXpus,
  formatRequestResultsCsv,
  formatSeriesCsv,
  outputThroughputSeries,
  parseSimulationConfig,
  readShippedCalibration,
  SHIPPED_CALIBRATION_PATHS,
  runDisaggregatedSimulation,
  runSimulation,
  type DisaggregatedRun,
  type ReadTextFile,
  type SimulationRun,
} from '@llm-sim/factory/browser';
import type { PoolView, RunView, WorkerRequest, WorkerResponse } from './protocol.ts';
import { BUILT_IN_TRACES } from './traces.ts';

/** The page has no files: it serves what it bundled, by the repository paths the CLI would read. */
const readTextFile: ReadTextFile = async (path) => {
  const shipped = readShippedCalibration(path);
  if (shipped !== undefined) return shipped;
  const trace = BUILT_IN_TRACES[path.replace(/^\.\//, '')];
  if (trace) return trace();
  throw new Error('the page bundles only the shipped calibrations and the built-in traces');
};

const CDF_POINTS = 200;
const SERIES_POINTS = 400;

/** The empirical CDF at most `CDF_POINTS` points, in ms, of the finite values. */
function cdfOf(seconds: Float64Array): [number, number][] {
  const values = Array.from(seconds).filter(Number.isFinite).sort((a, b) => a - b);
  if (values.length === 0) return [];
  const stride = Math.max(1, Math.ceil(values.length / CDF_POINTS));
  const out: [number, number][] = [];
  for (let i = 0; i < values.length; i += stride) out.push([values[i] * 1000, (i + 1) / values.length]);
  out.push([values[values.length - 1] * 1000, 1]);
  return out;
}

function every<T>(values: readonly T[], stride: number): T[] {
  return values.filter((_, i) => i % stride === 0);
}

function poolView(role: string, instances: number, p: { xpu: { name: string }; tp: number; pp: number; memoryPlan: SimulationRun['memoryPlan']; kvCacheBlocks: number; scheduler: SimulationRun['scheduler']; performanceModel: SimulationRun['performanceModel'] }): PoolView {
  return {
    role,
    xpu: p.xpu.name,
    tp: p.tp,
    pp: p.pp,
    instances,
    weightsGB: p.memoryPlan.weightBytesPerDevice / 1e9,
    kvCacheGB: p.memoryPlan.kvCacheBytesAvailablePerDevice / 1e9,
    kvCacheTokens: p.memoryPlan.maxKvCacheTokens,
    kvCacheBlocks: p.kvCacheBlocks,
    maxNumSeqs: p.scheduler.maxNumSeqs,
    maxNumBatchedTokens: p.scheduler.maxNumBatchedTokens,
    performanceModel: p.performanceModel.describe(),
  };
}

function viewOf(run: SimulationRun | DisaggregatedRun, runId: number, elapsedMs: number): RunView {
  const r = run.result.requests;
  const s = run.result.series;
  const stride = Math.max(1, Math.ceil(s.timeSeconds.length / SERIES_POINTS));
  const pools =
    'prefill' in run
      ? [poolView('prefill', run.config.cluster.prefill_instances, run.prefill), poolView('decode', run.config.cluster.decode_instances, run.decode)]
      : [
          poolView('replica', run.config.cluster.num_replicas, {
            ...run,
            tp: run.config.parallelism.tp,
            pp: run.config.parallelism.pp,
            kvCacheBlocks: run.kvCacheBlocksPerReplica,
          }),
        ];
  return {
    runId,
    record: describeRun(run),
    pools,
    cdf: { ttft: cdfOf(r.ttftSeconds), tpot: cdfOf(r.tpotSeconds), e2el: cdfOf(r.e2elSeconds) },
    series: {
      timeSeconds: every(s.timeSeconds, stride),
      kvCacheUtilization: every(s.kvCacheUtilization, stride),
      runningRequests: every(s.runningRequests, stride),
      waitingRequests: every(s.waitingRequests, stride),
      outputThroughput: outputThroughputSeries(r, every(s.timeSeconds, stride)),
    },
    simulatedSteps: run.result.steps,
    elapsedMs,
  };
}

/** Runs kept for their exports; only the newest few, a run of many requests holds megabytes. */
const runs = new Map<number, SimulationRun | DisaggregatedRun>();
const KEEP_RUNS = 4;

async function handle(message: WorkerRequest): Promise<WorkerResponse> {
  if (message.kind === 'catalog') {
    const catalog = {
      models: describeModels().map((m) => ({ name: m.name, params: m.params, activeParams: m.active_params })),
      xpus: describeXpus().map((x) => ({ name: x.name, memoryGB: x.memory_gb })),
      calibrations: [...SHIPPED_CALIBRATION_PATHS],
      traces: Object.keys(BUILT_IN_TRACES),
    };
    return { id: message.id, ok: true, kind: 'catalog', catalog };
  }
  if (message.kind === 'simulate') {
    const started = performance.now();
    const config = parseSimulationConfig(message.config, 'settings');
    const run = config.cluster.type === 'disaggregated' ? await runDisaggregatedSimulation(config, config.cluster, readTextFile) : await runSimulation(config, readTextFile);
    runs.set(message.id, run);
    for (const id of [...runs.keys()].slice(0, -KEEP_RUNS)) runs.delete(id);
    return { id: message.id, ok: true, kind: 'simulate', run: viewOf(run, message.id, performance.now() - started) };
  }
  if (message.kind === 'step') {
    const step = await computeStep(message.request, readTextFile);
    const xpu = describeXpus().find((x) => x.name === step.xpu)!;
    const dtype = message.request.quantization === 'fp8' && xpu.peak_tflops.fp8 ? 'fp8' : 'bf16';
    const roof = { peakFlopsPerSecond: (xpu.peak_tflops[dtype] ?? 0) * 1e12, bandwidthBytesPerSecond: xpu.memory_bandwidth_gbps * 1e9, dtype };
    return { id: message.id, ok: true, kind: 'step', step, roof };
  }
  const run = runs.get(message.runId);
  if (!run) throw new Error('that run is no longer kept; run it again to download its files');
  const text = message.what === 'requests-csv' ? formatRequestResultsCsv(run.result.requests) : formatSeriesCsv(run.result.series, run.result.requests);
  return { id: message.id, ok: true, kind: 'export', text };
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  let response: WorkerResponse;
  try {
    response = await handle(event.data);
  } catch (error) {
    response = { id: event.data.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(response);
};
