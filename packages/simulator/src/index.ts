export type {
  Bound,
  DecodeRun,
  OperatorName,
  OperatorTime,
  PerformanceModel,
  ScheduledSequence,
  StepBatch,
  StepTime,
} from './performance-model.ts';
export { summarizeBatch } from './performance-model.ts';
export {
  ConstantPerformanceModelOptionsSchema,
  createConstantPerformanceModel,
  type ConstantPerformanceModelOptions,
} from './constant-performance-model.ts';
export { SimulatorError, type SimulatorErrorCode } from './errors.ts';
export { buildPrefixBlockKeys, type PrefixBlockKeys, type PromptSegments } from './prefix-cache.ts';
export { createRandom, type Random } from './rng.ts';
export type { TokenTimes } from './token-times.ts';
export {
  ArrivalProcessSchema,
  LengthDistributionSchema,
  MAX_REQUEST_TOKENS,
  SyntheticWorkloadSchema,
  ConversationWorkloadSchema,
  arrivalForRate,
  drawLength,
  generateRequests,
  generateConversations,
  parseTraceCsv,
  parseTrace,
  parseMooncakeTrace,
  parseVllmDetailedResult,
  type ParseTraceOptions,
  parseAzureTraceCsv,
  takeRequests,
  MOONCAKE_BLOCK_TOKENS,
  sampleRequestsFrom,
  type ArrivalProcess,
  type LengthDistribution,
  type RequestSet,
  type SyntheticWorkload,
  type ConversationWorkload,
} from './workload.ts';
export {
  DEFAULT_GPU_MEMORY_UTILIZATION,
  DEFAULT_SCHEDULER_CONFIG,
  SchedulerConfigSchema,
  vllmBatchDefaults,
  type SchedulerConfig,
  type SchedulerConfigInput,
} from './scheduler-config.ts';
export type { ReplicaStats } from './replica.ts';
export {
  createLeastKvCacheRouter,
  createLeastOutstandingRouter,
  createRoundRobinRouter,
  type ReplicaLoad,
  type Router,
} from './router.ts';
export { ROUTERS, ROUTER_NAMES, RouterNameSchema, createRouter, type RouterName } from './routers.ts';
export { FAILURE_REASONS, RequestStatus, type FailureReason } from './request-table.ts';
export { QuantileSketch } from './quantile-sketch.ts';
export type { TimeSeries } from './sampled-series.ts';
export {
  GoodputSloSchema,
  SIMULTANEOUS_EVENT_ORDER,
  SimulationSettingsSchema,
  simulate,
  type GoodputSlo,
  type PerRequestResults,
  type SimulationOptions,
  type SimulationResult,
  type SimulationSeries,
} from './simulate.ts';
export {
  BenchmarkSummarySchema,
  countGoodRequests,
  describeValues,
  percentile,
  summarizeSimulation,
  type BenchmarkSummary,
  type Distribution,
} from './summarize-simulation.ts';
export { formatBenchmarkSummary } from './format-benchmark-summary.ts';
export {
  REQUEST_RESULT_COLUMNS,
  formatRequestResultsCsv,
  formatRequestResultsJsonl,
  formatSeriesCsv,
  outputThroughputSeries,
} from './format-request-results-csv.ts';
export {
  DISAGGREGATED_EVENT_ORDER,
  DisaggregatedSettingsSchema,
  KvTransferSettingsSchema,
  simulateDisaggregated,
  type DisaggregatedSimulationOptions,
  type DisaggregatedSimulationResult,
  type KvTransferResults,
  type KvTransferSettings,
  type KvTransferSettingsInput,
  type PoolOptions,
  type PoolStats,
} from './disaggregated-simulate.ts';
export { createDisaggregatedRouter, type DisaggregatedRouter } from './disaggregated-router.ts';
export type { KvLinkSharing } from './disaggregated-kv-link.ts';
export {
  DisaggregatedSummarySchema,
  summarizeDisaggregatedSimulation,
  type DisaggregatedSummary,
} from './disaggregated-summary.ts';
