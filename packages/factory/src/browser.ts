/**
 * The browser-safe part of the factory: everything a static page needs to run the CLI's simulations and steps
 * with the same results (same config, same seed), and nothing that reaches for Node (files, threads, servers,
 * the emulator, the benchmark runner). File reading stays injected: the page passes a `ReadTextFile` that serves
 * what it bundled (the shipped calibrations through `readShippedCalibration`, built-in traces).
 * `browser-entry.test.ts` walks this module's imports and fails on any `node:` import.
 */
export { FactoryError, type FactoryErrorCode } from './errors.ts';
export type { ReadTextFile } from './file-access.ts';
export {
  SimulationConfigSchema,
  PERFORMANCE_MODEL_TYPES,
  parseSimulationConfig,
  mergeConfig,
  type SimulationConfig,
  type SimulationConfigInput,
  type PerformanceModelType,
} from './config.ts';
export { runSimulation, type SimulationRun } from './simulation.ts';
export { runDisaggregatedSimulation, type DisaggregatedRun } from './disaggregated.ts';
export { describeRun, runDevices } from './sweep.ts';
export { describeWorkload } from './describe-workload.ts';
export { formatTrafficHeader } from './vllm-result.ts';
export { computeStep, describeModels, describeXpus, type StepRequest, type StepReport, type ModelListing, type XpuListing } from './step.ts';
export { errorBandFor, modelClassOf, type ErrorBandReport, type ModelClass } from './error-bands.ts';
export { SHIPPED_CALIBRATION_PATHS, readShippedCalibration } from './shipped-calibrations.ts';
export {
  formatBenchmarkSummary,
  formatRequestResultsCsv,
  formatSeriesCsv,
  outputThroughputSeries,
  RequestStatus,
  type BenchmarkSummary,
  type SimulationResult,
} from '@llm-sim/simulator';
