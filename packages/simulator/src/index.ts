export type {
  Bound,
  OperatorName,
  OperatorTime,
  PerformanceModel,
  ScheduledSequence,
  StepBatch,
  StepTime,
} from './performance-model.ts';
export { summarizeBatch } from './performance-model.ts';
export { SimulatorError, type SimulatorErrorCode } from './errors.ts';
export { createRandom, type Random } from './rng.ts';
export {
  ArrivalProcessSchema,
  LengthDistributionSchema,
  SyntheticWorkloadSchema,
  arrivalForRate,
  generateRequests,
  sampleRequestsFrom,
  parseTraceCsv,
  type ArrivalProcess,
  type LengthDistribution,
  type RequestSet,
  type SyntheticWorkload,
} from './workload.ts';
export {
  SchedulerConfigSchema,
  DEFAULT_SCHEDULER_CONFIG,
  type SchedulerConfig,
  type SchedulerConfigInput,
} from './scheduler-config.ts';
export { ROUTERS, ROUTER_NAMES, createRouter, type Router, type RouterName, type ReplicaLoad } from './routers.ts';
export {
  simulate,
  RequestStatus,
  FAILURE_REASONS,
  SIMULTANEOUS_EVENT_ORDER,
  type SimulationOptions,
  type SimulationResult,
  type PerRequestResults,
  type FailureReason,
} from './simulate.ts';
export {
  GoodputSloSchema,
  summarizeSimulation,
  formatBenchmarkSummary,
  requestLatencies,
  percentile,
  type GoodputSlo,
  type BenchmarkSummary,
  type RequestLatencies,
  type Distribution,
} from './metrics.ts';
export { QuantileSketch } from './quantile-sketch.ts';
export { createConstantPerformanceModel, createTablePerformanceModel, type ConstantModelOptions } from './test-doubles.ts';
