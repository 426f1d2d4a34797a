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
