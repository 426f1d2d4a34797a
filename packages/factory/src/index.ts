export { FactoryError, type FactoryErrorCode, type ConfigIssue } from './errors.ts';
export { closestName } from './closest-name.ts';
export { looksLikePath, type ReadTextFile } from './file-access.ts';
export { resolveModel, resolveXpu } from './specs.ts';
export {
  CONFIG_LIMITS,
  SimulationConfigSchema,
  PerformanceModelConfigSchema,
  PERFORMANCE_MODEL_TYPES,
  parseSimulationConfig,
  mergeConfig,
  type SimulationConfig,
  type SimulationConfigInput,
  type PerformanceModelType,
} from './config.ts';
export { createPerformanceModel, type CreatePerformanceModelOptions } from './performance-model.ts';
export { loadCalibration, type LoadedCalibration } from './calibration-file.ts';
export { setUpSimulation, runSimulation, type SimulationSetup, type SimulationRun } from './simulation.ts';
export { describeWorkload } from './describe-workload.ts';
export { expandSweep, describeRun, runDevices, runSweepPoint, formatSweepTable, vllmResultOf, type SweepPointResult } from './sweep.ts';
export {
  SERVE_PERCENTILE_METRICS,
  VllmResultOptionsSchema,
  buildVllmServeResult,
  defaultVllmResultFilename,
  formatTrafficHeader,
  formatVllmDate,
  peakConcurrentRequests,
  type ServePercentileMetric,
  type VllmResultOptions,
  type VllmResultOptionsInput,
  type VllmResultSource,
} from './vllm-result.ts';
export { computeStep, describeModels, describeXpus, type StepRequest, type StepReport, type ModelListing, type XpuListing } from './step.ts';
export { annotatePoints, type MeasuredStep } from './annotate.ts';
export { calibrateFromFiles, checkCalibrationDrift, loadMeasurements, type CalibrationRequest, type CalibrationOutcome } from './calibrate.ts';
// What the CLI prints and writes, so that it depends on this package alone.
export {
  formatBenchmarkSummary,
  formatRequestResultsCsv,
  formatRequestResultsJsonl,
  formatSeriesCsv,
  FAILURE_REASONS,
  RequestStatus,
  type BenchmarkSummary,
  type SimulationResult,
} from '@llm-sim/simulator';
export {
  formatFitReport,
  serializeCalibration,
  parseCalibrationFile,
  serializeKernelCalibration,
  formatKernelCalibration,
  type RooflineParameters,
  type FitResult,
  type KernelCalibration,
} from '@llm-sim/calibration';
export {
  calibrateFromKernelTables,
  KERNEL_TABLE_FILES,
  type KernelCalibrationRequest,
  type KernelCalibrationOutcome,
  type StepPrediction,
} from './calibrate-kernels.ts';
export {
  createNodeBenchmarkFs,
  makeParentDirectory,
  createSparseExperiment,
  planExperiment,
  DEFAULT_GRID,
  importBenchmarkFileFromFs,
  serializeBenchmarkPoint,
  formatRunFailures,
  createProgressReporter,
  type RunExperimentResult,
  type BenchmarkFs,
  type BenchmarkPoint,
  type ExperimentPoint,
} from '@llm-sim/benchmark';
export { startEmulator, type StartEmulatorOptions, type RunningEmulator } from './serve.ts';
export type { OutputLengthDistribution } from '@llm-sim/emulator';
export { measureEndpoint, type MeasureRequest } from './measure.ts';
export { renderSimulationRunReport, renderCalibrationOutcomeReport, renderSweepReport, renderSearchReportHtml, renderRunsReportHtml, renderStepReportHtml, renderCompareReportHtml, type SavedRun } from './report.ts';
export { ClusterConfigSchema, type ClusterConfig } from './cluster-config.ts';
export { runDisaggregatedSimulation, kvTransferSettings, type DisaggregatedRun } from './disaggregated.ts';
export { setUpPool, type PoolLayout, type PoolSetup } from './pool-setup.ts';
export { resolveParallelLayout, type ParallelLayout, type ParallelismRequest } from './parallel-layout.ts';
export { buildWorkloadRequests } from './workload-requests.ts';
export { DATASETS, DATASET_NAMES, DatasetNameSchema, loadDataset, type DatasetName } from './datasets.ts';
export {
  compareLayouts,
  enumerateLayouts,
  formatComparison,
  formatLayout,
  layoutDevices,
  parseLayout,
  type CompareReport,
  type CompareRequest,
  type CompareRow,
  type Layout,
} from './compare.ts';
export { summarizeDisaggregatedSimulation, type DisaggregatedSummary, type DisaggregatedSimulationResult } from '@llm-sim/simulator';
export {
  bisectMaxRate,
  findMaxRate,
  checkSloTarget,
  DEFAULT_SLO_PERCENTILE,
  type ConfigMaxRate,
  type MaxRateOptions,
  type MaxRateResult,
  type RateProbe,
} from './find-max-rate.ts';
export {
  searchDeployments,
  mergeSearchShards,
  evaluateDeployment,
  enumerateDeployments,
  deploymentConfig,
  deploymentDevices,
  formatDeployment,
  formatSearch,
  searchTable,
  paretoFront,
  vllmServeCommands,
  DeploymentSchema,
  SearchSpaceSchema,
  type Deployment,
  type DeploymentEvaluation,
  type DeploymentTask,
  type EvaluateDeployment,
  type SearchOptions,
  type SearchPoint,
  type SearchProgress,
  type SearchReport,
  type SearchRequest,
  type SearchSpace,
  type SearchSpaceInput,
} from './search.ts';
export {
  validateCases,
  type ValidateRequest,
  type ValidationReport,
  type CasePrediction,
  type MapeEntry,
} from './validate.ts';
export { parseValidationSet, type ValidationCase, type ValidationSet, type ValidationSplit } from '@llm-sim/benchmark';
export {
  BASELINE_COMMAND,
  ValidationBaselineSchema,
  makeValidationBaseline,
  parseValidationBaseline,
  compareWithBaseline,
  type ValidationBaseline,
  type ModelComparison,
} from './validation-baseline.ts';
export {
  ERROR_BANDS_COMMAND,
  ErrorBandSchema,
  ErrorBandsSchema,
  MODEL_CLASSES,
  ModelClassSchema,
  computeErrorBands,
  errorBandFor,
  modelClassOf,
  type ModelClass,
  type ErrorBand,
  type ErrorBands,
  type ErrorBandReport,
} from './error-bands.ts';
