import { z } from 'zod';

/** `stream_options` of OpenAI's API: only `include_usage` means anything here. */
const StreamOptionsSchema = z.object({ include_usage: z.boolean().nullish() }).loose().nullish();

const common = {
  /** vLLM makes the model optional (the served one); when given it must be the served name. */
  model: z.string().min(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  stream: z.boolean().nullish(),
  stream_options: StreamOptionsSchema,
  /** vLLM's extension; the emulator has no EOS, so every request generates max_tokens either way. */
  ignore_eos: z.boolean().nullish(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullish(),
};

/** The fields of `POST /v1/completions` the emulator reads; others (temperature, stop, ...) are accepted and ignored. */
export const CompletionRequestSchema = z
  .object({
    ...common,
    /** A string (counted as ceil(characters / 4) tokens) or a list of token ids (its exact length), as vLLM accepts. */
    prompt: z.union([
      z.string().min(1, { error: 'prompt must not be empty' }),
      z.array(z.number().int().nonnegative()).min(1, { error: 'prompt must not be empty' }),
    ]),
  })
  .loose();
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).loose();

/** The fields of `POST /v1/chat/completions` the emulator reads. */
export const ChatCompletionRequestSchema = z
  .object({
    ...common,
    /** OpenAI's newer name for max_tokens; wins when both are given, as in vLLM. */
    max_completion_tokens: z.number().int().positive().nullish(),
    messages: z
      .array(
        z
          .object({
            role: z.string().min(1),
            content: z.union([z.string(), z.array(ContentPartSchema)]).nullish(),
          })
          .loose(),
      )
      .min(1, { error: 'messages must hold at least one message' }),
  })
  .loose();
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** The emulator's stand-in for a tokenizer: ceil(characters / 4), English text's usual ratio. */
export function countTextTokens(text: string): number {
  return Math.ceil(Array.from(text).length / 4);
}

export function countPromptTokens(prompt: CompletionRequest['prompt']): number {
  return typeof prompt === 'string' ? countTextTokens(prompt) : prompt.length;
}

/**
 * A chat prompt's tokens: each message rendered as `role: content` on its own line (a stand-in for a
 * chat template), then counted as text; at least 1.
 */
export function countChatTokens(messages: ChatCompletionRequest['messages']): number {
  const rendered = messages
    .map((m) => {
      const content = typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join('');
      return `${m.role}: ${content}`;
    })
    .join('\n');
  return Math.max(1, countTextTokens(rendered));
}

/** The text of every generated token: the emulator produces timing, not language. */
export const FILLER_TOKEN_TEXT = ' tok';

/** OpenAI's error body. */
export interface OpenAiError {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null };
}

export function openAiError(message: string, param: string | null, code: string | null, type = 'invalid_request_error'): OpenAiError {
  return { error: { message, type, param, code } };
}
