export { RunnerError, type RunnerErrorCode } from './runner-error.ts';
export { createSseParser, type SseParser } from './sse-parser.ts';
export {
  CompletionChunkSchema,
  defaultClock,
  streamCompletion,
  prepareCompletion,
  type CompletionChunk,
  type CompletionRequest,
  type CompletionTiming,
  type FetchFunction,
  type MonotonicClock,
} from './completion-stream.ts';
export { DEFAULT_PROMPT_TOKEN_RANGE, promptTokenIds, type PromptTokenOptions } from './prompt-token-ids.ts';
export { DEFAULT_SKIP_GAPS, summarizeBatchTimings, type BatchTimingSummary } from './summarize-batch.ts';
export {
  ModelListSchema,
  VersionSchema,
  fetchServerInfo,
  findServedModel,
  type ServedModel,
  type ServerInfo,
  type ServerInfoOptions,
} from './server-info.ts';
export { DEFAULT_BACKOFF, backoffDelayMs, defaultSleep, withRetries, type Backoff, type RetryOptions, type Sleep } from './retry.ts';
export { runPhases, missingPhases, type RunnerPoint } from './resume.ts';
export {
  RUNNER_SOURCE,
  runExperiment,
  type RunExperimentOptions,
  type RunExperimentResult,
  type RunFailure,
  type RunProgress,
  type RunnerMetadata,
} from './run-experiment.ts';
export { formatRunFailures } from './format-run-failures.ts';
export { createProgressReporter, type ProgressReporter, type ProgressReporterOptions } from './progress-reporter.ts';
export { serverRootUrl } from './server-url.ts';
