export { EmulatorError, type EmulatorErrorCode } from './errors.ts';
export { ManualClock, createSystemClock, type CancelTimer, type Clock } from './clock.ts';
export {
  EmulatorEngine,
  type EmulatorEngineOptions,
  type EngineRequest,
  type EngineRequestResult,
  type RejectionReason,
} from './emulator-engine.ts';
export { EMULATOR_VERSION, createEmulatorServer, type EmulatorServer, type EmulatorServerOptions } from './emulator-server.ts';
export {
  ChatCompletionRequestSchema,
  CompletionRequestSchema,
  FILLER_TOKEN_TEXT,
  countChatTokens,
  countPromptTokens,
  countTextTokens,
  type ChatCompletionRequest,
  type CompletionRequest,
} from './openai-protocol.ts';
export { E2E_BUCKETS_SECONDS, TTFT_BUCKETS_SECONDS } from './server-metrics.ts';
