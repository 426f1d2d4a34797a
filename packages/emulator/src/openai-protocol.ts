import { z } from 'zod';

/** `stream_options` of OpenAI's API: only `include_usage` means anything here. */
const StreamOptionsSchema = z.object({ include_usage: z.boolean().nullish() }).loose().nullish();

/** vLLM's default `--max-logprobs`: more log probabilities per token are refused. */
export const MAX_LOGPROBS = 20;

const common = {
  /** vLLM makes the model optional (the served one); when given it must be the served name. */
  model: z.string().min(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  stream: z.boolean().nullish(),
  stream_options: StreamOptionsSchema,
  /** vLLM's extension: generate to the limit whatever the end-of-sequence token says. */
  ignore_eos: z.boolean().nullish(),
  /** Choices per prompt. */
  n: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  /** vLLM's extensions to stop strings and EOS. */
  include_stop_str_in_output: z.boolean().nullish(),
  min_tokens: z.number().int().nonnegative().nullish(),
};

const TokenIdsSchema = z.array(z.number().int().nonnegative()).min(1, { error: 'prompt must not be empty' });
const PromptTextSchema = z.string().min(1, { error: 'prompt must not be empty' });

/** The fields of `POST /v1/completions` the emulator reads; others (temperature, seed, ...) are accepted and ignored. */
export const CompletionRequestSchema = z
  .object({
    ...common,
    /**
     * A string (counted as ceil(characters / 4) tokens), a list of token ids (its exact length), or a batch: a
     * list of either, each answered with its own choices, as vLLM accepts.
     */
    prompt: z.union([
      PromptTextSchema,
      TokenIdsSchema,
      z.array(PromptTextSchema).min(1, { error: 'prompt must not be empty' }),
      z.array(TokenIdsSchema).min(1, { error: 'prompt must not be empty' }),
    ]),
    /** Log probabilities of the `logprobs` likeliest tokens at each step (0: of the sampled one only). */
    logprobs: z.number().int().nonnegative().max(MAX_LOGPROBS, { error: `logprobs must be at most ${MAX_LOGPROBS} (vLLM's max_logprobs)` }).nullish(),
  })
  .loose();
/** A `/v1/completions` request body, as validated. */
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).loose();

/** The fields of `POST /v1/chat/completions` the emulator reads. */
export const ChatCompletionRequestSchema = z
  .object({
    ...common,
    /** OpenAI's newer name for max_tokens; wins when both are given, as in vLLM. */
    max_completion_tokens: z.number().int().positive().nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().nonnegative().max(MAX_LOGPROBS, { error: `top_logprobs must be at most ${MAX_LOGPROBS} (vLLM's max_logprobs)` }).nullish(),
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
/** A `/v1/chat/completions` request body, as validated. */
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** The emulator's stand-in for a tokenizer: ceil(characters / 4), English text's usual ratio. */
export function countTextTokens(text: string): number {
  return Math.ceil(Array.from(text).length / 4);
}

/** A single prompt's tokens (one string or one list of token ids). */
export function countPromptTokens(prompt: string | readonly number[]): number {
  return typeof prompt === 'string' ? countTextTokens(prompt) : prompt.length;
}

/** The prompts of a completion request: one, or each of a batch. */
export function splitPrompts(prompt: CompletionRequest['prompt']): (string | number[])[] {
  if (typeof prompt === 'string') return [prompt];
  if (prompt.every((p) => typeof p === 'number')) return [prompt as number[]];
  return prompt as (string | number[])[];
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

/** OpenAI's error body. */
export interface OpenAiError {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | number | null };
}

export function openAiError(message: string, param: string | null, code: string | number | null, type = 'invalid_request_error'): OpenAiError {
  return { error: { message, type, param, code } };
}

const ResponsesContentSchema = z.union([z.string(), z.array(ContentPartSchema)]);

/** The fields of `POST /v1/responses` (OpenAI's Responses API, which vLLM also serves) the emulator reads. */
export const ResponsesRequestSchema = z
  .object({
    model: z.string().min(1).nullish(),
    /** A string, or a list of input items: messages (`role` and `content`) and others (tool outputs) counted by their text. */
    input: z.union([
      z.string().min(1, { error: 'input must not be empty' }),
      z
        .array(
          z
            .object({
              type: z.string().nullish(),
              role: z.string().nullish(),
              content: ResponsesContentSchema.nullish(),
              output: z.string().nullish(),
              arguments: z.string().nullish(),
            })
            .loose(),
        )
        .min(1, { error: 'input must hold at least one item' }),
    ]),
    instructions: z.string().nullish(),
    max_output_tokens: z.number().int().positive().nullish(),
    stream: z.boolean().nullish(),
    previous_response_id: z.string().nullish(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
  })
  .loose();
/** A request body of OpenAI's Responses API (`POST /v1/responses`), as far as the emulator reads it; other keys pass. */
export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;

/** A Responses API input as chat messages: the instructions as a system message, then each item by its text. */
export function responsesInputAsMessages(request: ResponsesRequest): ChatCompletionRequest['messages'] {
  const messages: ChatCompletionRequest['messages'] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') return [...messages, { role: 'user', content: request.input }];
  for (const item of request.input) {
    messages.push({ role: item.role ?? item.type ?? 'user', content: item.content ?? item.output ?? item.arguments ?? '' });
  }
  return messages;
}
