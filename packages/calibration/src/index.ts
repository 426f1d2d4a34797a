export { CalibrationError, type CalibrationErrorCode } from './errors.ts';
export {
  AnnotatedPointSchema,
  OperatorCountSchema,
  predictSeconds,
  arithmeticIntensity,
  isComputeDominated,
  totalFlops,
  totalBytes,
  type AnnotatedPoint,
  type AnnotatedPointInput,
  type OperatorCount,
  type PhaseFigures,
  type PricedPoint,
} from './annotated-point.ts';
export { evaluateFit, type FitQuality, type PointFit, type Phase } from './evaluate-fit.ts';
export {
  RooflineParameterEstimator,
  fitRooflineParameters,
  type FitResult,
  type PhaseFit,
  type ExcludedPoint,
  type PeakFigures,
  type FitOptions,
  type FigureName,
  type FigureIdentification,
  type Identification,
  type ConstraintName,
} from './estimator.ts';
export {
  CALIBRATION_FORMAT_VERSION,
  RooflineParametersSchema,
  parseCalibrationFile,
  serializeCalibration,
  toEffectiveRoofline,
  toRooflineParameters,
  checkCalibrationMatch,
  type RooflineParameters,
  type RooflineParametersInput,
  type PhaseParameters,
  type EffectiveRoofline,
  type CalibrationTarget,
  type CalibrationMetadata,
} from './calibration-file.ts';
export { evaluateCalibration, checkDrift, type CalibrationEvaluation } from './evaluate-calibration.ts';
export { checkFitQuality } from './check-fit-quality.ts';
export { formatFitReport } from './fit-report.ts';
export { calibrationJsonSchema } from './calibration-json-schema.ts';
export {
  KERNEL_CALIBRATION_FORMAT_VERSION,
  KERNEL_TABLE_SYSTEMS,
  KernelCalibrationSchema,
  fitKernelTables,
  formatKernelCalibration,
  fitNonNegativeLine,
  parseKernelCalibration,
  serializeKernelCalibration,
  toKernelProfile,
  type KernelCalibration,
  type KernelCalibrationCheck,
  type KernelTablesFit,
  type KernelTableTexts,
  type XpuReference,
} from './kernel-calibration-file.ts';
