import type { SimulationConfigInput, StepReport, StepRequest } from '@llm-sim/factory/browser';

/** What the page asks the worker. */
export type WorkerRequest =
  /** The names the controls offer: catalog models and xpus, shipped calibrations, built-in traces. */
  | { readonly id: number; readonly kind: 'catalog' }
  | { readonly id: number; readonly kind: 'simulate'; readonly config: SimulationConfigInput }
  | { readonly id: number; readonly kind: 'step'; readonly request: StepRequest }
  /** The files `llm-sim simulate --output-requests X.csv` / `--output-timeseries X.csv` write, of the run `runId`. */
  | { readonly id: number; readonly kind: 'export'; readonly runId: number; readonly what: 'requests-csv' | 'series-csv' };

/** One pool's memory plan and engine settings, as `llm-sim simulate` prints them. */
export interface PoolView {
  readonly role: string;
  readonly xpu: string;
  readonly tp: number;
  readonly pp: number;
  readonly instances: number;
  readonly weightsGB: number;
  readonly kvCacheGB: number;
  readonly kvCacheTokens: number;
  readonly kvCacheBlocks: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly performanceModel: string;
}

/** A run, reduced to what the page draws (plain data: it crosses the worker boundary). */
export interface RunView {
  readonly runId: number;
  /** `describeRun`: the object `llm-sim simulate --json` prints, byte for byte once stringified. */
  readonly record: Record<string, unknown>;
  readonly pools: readonly PoolView[];
  /** [ms, share of requests at or below] per metric, downsampled. */
  readonly cdf: { readonly ttft: [number, number][]; readonly tpot: [number, number][]; readonly e2el: [number, number][] };
  readonly series: {
    readonly timeSeconds: number[];
    readonly kvCacheUtilization: number[];
    readonly runningRequests: number[];
    readonly waitingRequests: number[];
    readonly outputThroughput: number[];
  };
  readonly simulatedSteps: number;
  readonly elapsedMs: number;
}

export interface Catalog {
  readonly models: readonly { readonly name: string; readonly params: number; readonly activeParams: number }[];
  readonly xpus: readonly { readonly name: string; readonly memoryGB: number }[];
  readonly calibrations: readonly string[];
  readonly traces: readonly string[];
}

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly kind: 'catalog'; readonly catalog: Catalog }
  | { readonly id: number; readonly ok: true; readonly kind: 'simulate'; readonly run: RunView }
  | { readonly id: number; readonly ok: true; readonly kind: 'step'; readonly step: StepReport; readonly roof: Roof }
  | { readonly id: number; readonly ok: true; readonly kind: 'export'; readonly text: string }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** The xpu's roofs for the step chart: peak FLOP/s of the activations' dtype and memory bandwidth, per device. */
export interface Roof {
  readonly peakFlopsPerSecond: number;
  readonly bandwidthBytesPerSecond: number;
  readonly dtype: string;
}
