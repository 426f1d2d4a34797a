export { EmulatorError, type EmulatorErrorCode } from './errors.ts';
export { ManualClock, createSystemClock, type CancelTimer, type Clock } from './clock.ts';
export {
  EmulatorEngine,
  type EmulatorEngineOptions,
  type EngineRequest,
  type EngineRequestResult,
  type RejectionReason,
  type StepEnd,
} from './emulator-engine.ts';
export { EMULATOR_VERSION, createEmulatorServer, type EmulatorServer, type EmulatorServerOptions } from './emulator-server.ts';
export {
  ChatCompletionRequestSchema,
  CompletionRequestSchema,
  MAX_LOGPROBS,
  ResponsesRequestSchema,
  countChatTokens,
  countPromptTokens,
  countTextTokens,
  type ChatCompletionRequest,
  type CompletionRequest,
  type ResponsesRequest,
} from './openai-protocol.ts';
export { EOS_TOKEN_TEXT, FILLER_TOKEN_TEXT } from './choice-plan.ts';
export {
  AZURE_CONV_2023_OUTPUT_LENGTH,
  OutputLengthDistributionSchema,
  drawOutputLength,
  type OutputLengthDistribution,
} from './output-length.ts';
export {
  E2E_BUCKETS_SECONDS,
  INTER_TOKEN_BUCKETS_SECONDS,
  ITERATION_TOKENS_BUCKETS,
  TTFT_BUCKETS_SECONDS,
} from './server-metrics.ts';
