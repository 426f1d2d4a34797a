export { BenchmarkError, type BenchmarkErrorCode, type BenchmarkErrorLocation } from './errors.ts';
export {
  PHASES,
  PhaseSchema,
  LatencySpreadSchema,
  IsoDateSchema,
  BenchmarkPointSchema,
  ProvenanceSchema,
  BenchmarkDataSchema,
  type Phase,
  type LatencySpread,
  type BenchmarkPoint,
  type BenchmarkPointInput,
  type Provenance,
  type BenchmarkData,
} from './benchmark-point.ts';
export {
  parseBenchmarkJsonl,
  serializeBenchmarkPoint,
  serializeBenchmarkJsonl,
  parseBenchmarkData,
  serializeBenchmarkData,
} from './benchmark-jsonl.ts';
export { benchmarkPointJsonSchema } from './benchmark-point-json-schema.ts';
export { aggregateRepeats } from './aggregate-repeats.ts';
export { summarizeLatencies, percentileOfSorted, SPREAD_PERCENTILES } from './latency-stats.ts';
export {
  PURPOSES,
  PurposeSchema,
  ExperimentPointSchema,
  GridSchema,
  ExperimentConfigSchema,
  DEFAULT_GRID,
  parseExperimentConfig,
  gridPoints,
  planExperiment,
  type Purpose,
  type ExperimentPoint,
  type Grid,
  type GridInput,
  type ExperimentConfig,
  type ExperimentConfigInput,
  type SparseExperimentConfig,
} from './experiment/experiment-config.ts';
export { createSparseExperiment, type SparseExperimentOptions } from './experiment/sparse-experiment.ts';
export { BENCHMARK_FORMATS, detectFormat, type BenchmarkFormat } from './importers/detect-format.ts';
export { importBenchmarkFile, type ImportOptions } from './importers/import-benchmark-file.ts';
export type { PointMetadataOptions } from './importers/to-point.ts';
export { catalogModelName, catalogXpuName, parseGpuString, type RecordedGpu } from './importers/catalog-names.ts';
export {
  SPLITWISE_COLUMNS,
  SPLITWISE_MODEL_NAMES,
  SPLITWISE_HARDWARE_NAMES,
  importSplitwiseCsv,
  type SplitwiseImportOptions,
} from './importers/splitwise-csv.ts';
export {
  VllmServeResultSchema,
  SERVE_METRICS,
  parseVllmServeResult,
  parseVllmServeResults,
  servePercentilesMs,
  importVllmServe,
  SINGLE_STEP_PREFILL_TOKENS,
  type VllmServeResult,
  type ServeMetric,
  type VllmServeImportOptions,
} from './importers/vllm-serve.ts';
export {
  VllmLatencyResultSchema,
  LatencyRunMetaSchema,
  parseLatencyRunMeta,
  importVllmLatency,
  type VllmLatencyResult,
  type LatencyRunMeta,
  type VllmLatencyImportOptions,
} from './importers/vllm-latency.ts';
export { deriveDecodeFromLatencyRuns } from './importers/derive-decode.ts';
export {
  benchmarkDataPaths,
  sidecarPaths,
  type BenchmarkDataPaths,
  type BenchmarkDataPathsOptions,
} from './collector/benchmark-data-paths.ts';
export {
  appendBenchmarkPoint,
  readBenchmarkPoints,
  writeProcessedData,
  readProcessedData,
  processRawBenchmark,
  importBenchmarkFileFromFs,
  type BenchmarkFs,
  type ProcessRawOptions,
} from './collector/benchmark-store.ts';
export { createNodeBenchmarkFs, makeParentDirectory } from './collector/node-benchmark-fs.ts';
export {
  RunnerError,
  runExperiment,
  streamCompletion,
  fetchServerInfo,
  formatRunFailures,
  createProgressReporter,
  missingPhases,
  promptTokenIds,
  RUNNER_SOURCE,
  DEFAULT_BACKOFF,
  type RunnerErrorCode,
  type RunExperimentOptions,
  type RunExperimentResult,
  type RunFailure,
  type RunProgress,
  type RunnerMetadata,
  type RunnerPoint,
  type CompletionTiming,
  type ServerInfo,
  type ProgressReporter,
  type Backoff,
  type MonotonicClock,
  type Sleep,
  type ServedModel,
  type ProgressReporterOptions,
  type ServerInfoOptions,
  type PromptTokenOptions,
  type CompletionRequest,
} from './runner/index.ts';
export {
  VALIDATION_SPLITS,
  VALIDATION_METRICS,
  VALIDATION_STATISTICS,
  VALIDATION_UNITS,
  ValidationSplitSchema,
  ValidationMetricSchema,
  ValidationSourceSchema,
  ValidationEngineConfigSchema,
  ValidationWorkloadSchema,
  ValidationCaseSchema,
  ValidationSetSchema,
  parseValidationSet,
  type ValidationSplit,
  type ValidationMetric,
  type ValidationEngineConfig,
  type ValidationWorkload,
  type ValidationCase,
  type ValidationSet,
} from './validation-case.ts';
