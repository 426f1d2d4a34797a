import type { ChoicePlan } from './choice-plan.ts';

/** What a Responses API answer needs besides its output text. */
export interface ResponseContext {
  readonly id: string;
  readonly messageId: string;
  readonly createdAtSeconds: number;
  readonly model: string;
  readonly instructions: string | null;
  readonly maxOutputTokens: number | null;
  readonly temperature: number | null;
  readonly topP: number | null;
}

/** The Responses API usage block; no prompt is cached and no token is reasoning, so their details are 0. */
export function responseUsage(inputTokens: number, outputTokens: number) {
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
}

export function outputTextPart(text: string) {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** The assistant message item of a response, in progress (no content yet) or done. */
export function messageItem(context: ResponseContext, text: string | undefined) {
  return {
    id: context.messageId,
    type: 'message',
    status: text === undefined ? 'in_progress' : 'completed',
    role: 'assistant',
    content: text === undefined ? [] : [outputTextPart(text)],
  };
}

/**
 * A Responses API `response` object (OpenAI's shape, as vLLM fills it): `in_progress` while streaming, then
 * `completed`, or `incomplete` with reason `max_output_tokens` when the limit cut the text short.
 */
export function responseObject(context: ResponseContext, plan: ChoicePlan | undefined, finished: boolean) {
  const incomplete = finished && plan !== undefined && plan.finishReason === 'length';
  return {
    id: context.id,
    object: 'response',
    created_at: context.createdAtSeconds,
    status: !finished ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: context.instructions,
    max_output_tokens: context.maxOutputTokens,
    model: context.model,
    output: finished && plan !== undefined ? [messageItem(context, plan.text)] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: null,
    store: false,
    temperature: context.temperature,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: context.topP,
    truncation: 'disabled',
    usage: finished && plan !== undefined ? responseUsage(plan.promptTokens, plan.outputTokens) : null,
    metadata: {},
  };
}
