import { countGoodRequests, type BenchmarkSummary, type GoodputSlo } from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import { DATASETS } from './datasets.ts';
import { runDisaggregatedSimulation } from './disaggregated.ts';
import { FactoryError } from './errors.ts';
import type { ReadTextFile } from './file-access.ts';
import { runSimulation } from './simulation.ts';

/**
 * What one simulation at a rate says about the SLOs: `goodShare` is the share of sent requests that
 * finished within every SLO (vLLM's `--goodput` test per request). A rate meets the SLOs when that
 * share is at least the SLO percentile: DistServe's "SLO attainment" (Zhong et al., OSDI 2024, where
 * goodput is the highest rate served at 90% attainment).
 */
export interface RateProbe<S> {
  readonly rate: number;
  readonly goodShare: number;
  readonly meets: boolean;
  readonly summary: S;
}

/** How `bisectMaxRate` searches: the SLO percentile, the tolerance and the most simulations. */
export interface MaxRateOptions {
  /** Share of requests, in percent, that must meet every SLO (default 90). */
  readonly sloPercentile?: number;
  /** Stop when the bracket [met, missed] is narrower than this share of its top (default 0.02). */
  readonly relativeTolerance?: number;
  /** At most this many simulations per search, the first included (default 24). */
  readonly maxProbes?: number;
}

/** The highest request rate that met the SLOs, and every rate tried on the way. */
export interface MaxRateResult<S> {
  /** Highest rate tried that met the SLOs, in requests per second; 0 when no rate did. */
  readonly maxRate: number;
  /** The probe at `maxRate` (null when no rate met the SLOs). */
  readonly best: RateProbe<S> | null;
  /** Lowest rate tried that missed them (null when every rate tried met them). */
  readonly firstMiss: RateProbe<S> | null;
  /** Every rate simulated, in the order the search asked for them. */
  readonly probes: readonly RateProbe<S>[];
}

/** Share of requests, in percent, that must meet every SLO when none is given. */
export const DEFAULT_SLO_PERCENTILE = 90;

/** Validates an SLO set for a capacity search: at least one bound, a percentile in (0, 100]. */
export function checkSloTarget(goodput: GoodputSlo | undefined, sloPercentile: number): GoodputSlo {
  if (!goodput || Object.values(goodput).every((v) => v === undefined)) {
    throw new FactoryError('INVALID_CONFIG', 'goodput: a capacity search needs at least one SLO (ttft:MS, tpot:MS or e2el:MS)');
  }
  if (!(sloPercentile > 0 && sloPercentile <= 100)) {
    throw new FactoryError('INVALID_CONFIG', `slo_percentile must be in (0, 100], got ${sloPercentile}`);
  }
  return goodput;
}

/**
 * Bisects the highest request rate whose simulation still meets the SLOs (Vidur's capacity search).
 * `simulateAt(Infinity)` (every request at once) gives the service's saturation throughput, the first
 * guess; from there the bracket doubles up or halves down until it holds a met and a missed rate, then
 * halves until it is narrower than the tolerance. Assumes that meeting the SLOs is monotone in the rate,
 * as it is for a queue; the probes are returned so that a caller can see the path.
 */
export async function bisectMaxRate<S>(
  simulateAt: (rate: number) => Promise<{ readonly goodShare: number; readonly throughput: number; readonly summary: S }>,
  options: MaxRateOptions = {},
): Promise<MaxRateResult<S>> {
  const percentile = options.sloPercentile ?? DEFAULT_SLO_PERCENTILE;
  const tolerance = options.relativeTolerance ?? 0.02;
  const maxProbes = options.maxProbes ?? 24;
  if (!(tolerance > 0 && tolerance < 1)) throw new FactoryError('INVALID_CONFIG', `relative_tolerance must be in (0, 1), got ${tolerance}`);
  const probes: RateProbe<S>[] = [];
  const probe = async (rate: number): Promise<RateProbe<S>> => {
    const r = await simulateAt(rate);
    // A share within rounding of the target counts: 1800 of 2000 is 90% whatever the float says.
    const p: RateProbe<S> = { rate, goodShare: r.goodShare, meets: r.goodShare * 100 >= percentile - 1e-9, summary: r.summary };
    probes.push(p);
    return p;
  };

  const saturated = await simulateAt(Infinity);
  const capacity = saturated.throughput;
  if (!(capacity > 0)) return { maxRate: 0, best: null, firstMiss: null, probes };
  let met: RateProbe<S> | null = null;
  let missed: RateProbe<S> | null = null;
  // Bracket: the saturation throughput is usually just above the answer.
  const first = await probe(capacity);
  if (first.meets) met = first;
  else missed = first;
  const floor = capacity / 1024;
  while (probes.length < maxProbes && (met === null || missed === null)) {
    if (met === null) {
      const rate = missed!.rate / 2;
      if (rate < floor) break;
      const p = await probe(rate);
      if (p.meets) met = p;
      else missed = p;
    } else {
      const p = await probe(met.rate * 2);
      if (p.meets) met = p;
      else missed = p;
    }
  }
  while (met !== null && missed !== null && probes.length < maxProbes && missed.rate - met.rate > tolerance * missed.rate) {
    const p = await probe((met.rate + missed.rate) / 2);
    if (p.meets) met = p;
    else missed = p;
  }
  return { maxRate: met?.rate ?? 0, best: met, firstMiss: missed, probes };
}

/** A capacity search's answer for one deployment, with the summary of the simulation at the rate found. */
export type ConfigMaxRate = MaxRateResult<BenchmarkSummary>;

/**
 * The highest request rate the config's deployment serves within its `goodput` SLOs: each probe is
 * the same run as `llm-sim simulate` with `--request-rate` set to the probed rate (aggregated or
 * disaggregated as `config.cluster.type` says), so any rate found can be checked with `simulate`.
 */
export async function findMaxRate(config: SimulationConfig, readTextFile: ReadTextFile, options: MaxRateOptions = {}): Promise<ConfigMaxRate> {
  const slo = checkSloTarget(config.goodput, options.sloPercentile ?? DEFAULT_SLO_PERCENTILE);
  if (config.workload.trace !== undefined && !config.workload.trace_sample) {
    throw new FactoryError('INVALID_CONFIG', 'workload.trace: a replayed trace has its own arrival times; a capacity search needs trace_sample (--trace-sample) to draw arrivals at each rate');
  }
  const dataset = config.workload.dataset;
  if (dataset !== undefined && DATASETS[dataset].kind === 'trace' && !config.workload.trace_sample) {
    throw new FactoryError('INVALID_CONFIG', `workload.dataset: '${dataset}' is a trace replayed at its own arrival times; a capacity search needs trace_sample (--trace-sample) to draw arrivals at each rate`);
  }
  return bisectMaxRate(async (rate) => {
    const at: SimulationConfig = { ...config, workload: { ...config.workload, request_rate: rate === Infinity ? 'inf' : rate } };
    const run = at.cluster.type === 'disaggregated' ? await runDisaggregatedSimulation(at, at.cluster, readTextFile) : await runSimulation(at, readTextFile);
    const sent = run.result.requests.status.length;
    return { goodShare: sent > 0 ? countGoodRequests(run.result, slo) / sent : 0, throughput: run.summary.request_throughput, summary: run.summary };
  }, options);
}
