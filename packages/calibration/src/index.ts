export { CalibrationError, type CalibrationErrorCode } from './errors.ts';
export {
  AnnotatedPointSchema,
  OperatorCountSchema,
  predictSeconds,
  arithmeticIntensity,
  totalFlops,
  type AnnotatedPoint,
  type AnnotatedPointInput,
  type PhaseFigures,
} from './annotated-point.ts';
export {
  RooflineParameterEstimator,
  fitRooflineParameters,
  evaluateFit,
  type FitResult,
  type PhaseFit,
  type PointFit,
  type ExcludedPoint,
  type PeakFigures,
  type Phase,
} from './estimator.ts';
export {
  CALIBRATION_FORMAT_VERSION,
  RooflineParametersSchema,
  parseCalibrationFile,
  serializeCalibration,
  toEffectiveRoofline,
  toRooflineParameters,
  checkCalibrationMatch,
  evaluateCalibration,
  type RooflineParameters,
  type RooflineParametersInput,
  type EffectiveRoofline,
  type CalibrationMetadata,
  type CalibrationEvaluation,
} from './calibration-file.ts';
export { formatFitReport } from './fit-report.ts';
