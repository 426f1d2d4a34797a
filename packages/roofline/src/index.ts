export { RooflineError, type RooflineErrorCode } from './errors.ts';
export {
  DTYPES,
  DtypeSchema,
  DtypeConfigSchema,
  DEFAULT_DTYPES,
  bytesPerElement,
  computeDtype,
  expertWeightDtype,
  unquantizedWeightBytes,
  unquantizedComputeDtype,
  type Dtype,
  type DtypeConfig,
} from './dtype.ts';
export {
  ModelSpecSchema,
  HuggingFaceConfigSchema,
  parseHuggingFaceConfig,
  countParameters,
  kvCacheBytesPerToken,
  kvCacheBytesForContext,
  modelDtypes,
  isMoe,
  isMla,
  SUPPORTED_ARCHITECTURES,
  type ModelSpec,
  type HuggingFaceConfig,
  type ParameterCount,
} from './model-spec.ts';
export { MODEL_CATALOG, getModel, findModel, listModels, type CatalogModelEntry, type CatalogModelName, type CatalogModelAlias, type ModelNameOrAlias } from './model-catalog.ts';
export {
  XpuSpecSchema,
  XpuFileSchema,
  parseXpuSpec,
  peakFlopsFor,
  ridgePointFlopsPerByte,
  type XpuSpec,
  type XpuFile,
} from './xpu-spec.ts';
export { QUANTIZATIONS, KV_CACHE_DTYPES, quantizationDtypes, kvCacheDtype, type Quantization, type KvCacheDtypeName } from './quantization.ts';
export { XPU_CATALOG, getXpu, findXpu, listXpus, type CatalogXpuName, type CatalogXpuAlias, type XpuNameOrAlias } from './xpu-catalog.ts';
export {
  ParallelismSpecSchema,
  SINGLE_DEVICE,
  validateParallelism,
  devicesPerInstance,
  describeParallelism,
  expertParallelOf,
  kvHeadsPerDevice,
  moeDevices,
  type ParallelismSpec,
} from './parallelism.ts';
export { expectedGroupsPerToken, expectedMaxGroupLoad, expectedMaxOfNormals } from './expert-load.ts';
export {
  EMPTY_BATCH,
  prefillBatch,
  decodeBatch,
  batchTokens,
  batchSequences,
  type StepBatch,
  type StepTime,
  type OperatorTime,
  type OperatorName,
  type Bound,
} from './step-batch.ts';
export {
  COMPUTE_OPERATORS,
  StepWorkCounter,
  countStepWork,
  windowedPairs,
  type StepWork, type OperatorWork, type ComputeOperator, type AllToAllShape } from './step-work.ts';
export {
  RooflinePerformanceModel,
  VLLMRooflineModel,
  PhaseFiguresSchema,
  EffectiveRooflineSchema,
  arithmeticIntensity,
  stepTotals,
  type PhaseFigures,
  type EffectiveRoofline,
  type RooflineModelOptions,
  type DecodeRunTime,
} from './roofline-model.ts';
export { deviceShard, type DeviceShard } from './device-shard.ts';
export {
  planMemory,
  assertFits,
  assertHoldsMaxModelLen,
  suggestLayoutThatFits,
  DEFAULT_RUNTIME_OVERHEAD_BYTES,
  type MemoryPlan,
  type MemoryPlanOptions,
} from './memory-plan.ts';
export { lookUpLatency, prepareLatencyTable, type LatencyTable, type PreparedLatencyTable } from './latency-table.ts';
export {
  KernelCalibratedModel,
  type KernelProfile,
  type EngineOverhead,
  type KernelCalibratedModelOptions,
  type AchievedRelative,
} from './kernel-calibrated-model.ts';
