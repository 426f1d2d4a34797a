export { ReportError, type ReportErrorCode } from './errors.ts';
export { downsampleCdf, type CdfPoints } from './downsample-cdf.ts';
export {
  SimulationReportInputSchema,
  TimeSeriesSchema,
  type SimulationReportInput,
  type SimulationReportInputInput,
  type TimeSeries,
} from './simulation-report-input.ts';
export {
  CalibrationReportInputSchema,
  CalibrationPointSchema,
  FittedRoofSchema,
  PhaseFitSchema,
  PhaseSchema,
  type CalibrationReportInput,
  type CalibrationReportInputInput,
  type CalibrationPoint,
  type FittedRoof,
  type PhaseFit,
  type Phase,
} from './calibration-report-input.ts';
export { ConfigurationEntrySchema, type ConfigurationEntry } from './common-schemas.ts';
export { renderSimulationReport } from './render-simulation-report.ts';
export { renderCalibrationReport } from './render-calibration-report.ts';
export {
  SweepPointSchema,
  SweepReportInputSchema,
  renderSweepReport,
  type SweepPoint,
  type SweepReportInput,
  type SweepReportInputInput,
} from './render-sweep-report.ts';
export {
  SearchReportInputSchema,
  SearchReportPointSchema,
  type SearchReportInput,
  type SearchReportInputInput,
  type SearchReportPoint,
} from './search-report-input.ts';
export { renderSearchReport } from './render-search-report.ts';
export {
  RunReportEntrySchema,
  RunsReportInputSchema,
  renderRunsReport,
  type RunReportEntry,
  type RunsReportInput,
  type RunsReportInputInput,
} from './render-runs-report.ts';
export {
  StepOperatorSchema,
  StepReportInputSchema,
  renderStepReport,
  type StepOperator,
  type StepReportInput,
  type StepReportInputInput,
} from './render-step-report.ts';
