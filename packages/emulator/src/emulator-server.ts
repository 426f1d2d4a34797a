import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRandom, type PerformanceModel, type Random, type SchedulerConfigInput } from '@llm-sim/simulator';
import type { z } from 'zod';
import { FILLER_TOKEN_TEXT, planChoice, streamedCharacters, tokenText, type ChoicePlan } from './choice-plan.ts';
import type { Clock } from './clock.ts';
import { EmulatorEngine } from './emulator-engine.ts';
import { EmulatorError } from './errors.ts';
import {
  ChatCompletionRequestSchema,
  CompletionRequestSchema,
  ResponsesRequestSchema,
  countChatTokens,
  countPromptTokens,
  openAiError,
  responsesInputAsMessages,
  splitPrompts,
  type ChatCompletionRequest,
  type CompletionRequest,
  type OpenAiError,
  type ResponsesRequest,
} from './openai-protocol.ts';
import { AZURE_CONV_2023_OUTPUT_LENGTH, OutputLengthDistributionSchema, type OutputLengthDistribution } from './output-length.ts';
import { messageItem, outputTextPart, responseObject, type ResponseContext } from './responses-api.ts';
import { ServerMetrics } from './server-metrics.ts';

/** The version `GET /version` reports: this package's. */
export const EMULATOR_VERSION = '0.1.0';

/** Largest request body read; vLLM has no such limit, but an emulator need not hold gigabytes. */
const MAX_BODY_BYTES = 64 * 2 ** 20;

/**
 * The body a request within the context can need: a text prompt is counted as a token per 4 characters
 * (at most 4 bytes each in UTF-8), a token id takes at most 11 bytes with its comma; 1 MiB more for the
 * other fields. A longer body cannot hold a prompt that fits, so it is refused as it arrives, before
 * parsing megabytes of JSON blocks the event loop for every stream in flight.
 */
export function maxBodyBytesFor(maxModelLen: number): number {
  return Math.min(MAX_BODY_BYTES, 16 * maxModelLen + 2 ** 20);
}

/** How the OpenAI-compatible server is set up: the performance model and engine settings, the served model name, limits, host and port. */
export interface EmulatorServerOptions {
  readonly performanceModel: PerformanceModel;
  /** The served model name: what `/v1/models` lists and requests must name (vLLM `--served-model-name`). */
  readonly modelName: string;
  readonly kvCacheBlocks: number;
  readonly scheduler?: SchedulerConfigInput;
  /**
   * Longest prompt + output (vLLM `--max-model-len`); by default `scheduler.maxModelLen`, else the KV cache's
   * tokens. Never more than the KV cache holds: that is the longest request the server can run, and what it advertises.
   */
  readonly maxModelLen?: number;
  readonly clock: Clock;
  readonly version?: string;
  /** How long a reply runs before its end-of-sequence token when the client sets no limit; real chat replies by default. */
  readonly outputLength?: OutputLengthDistribution;
  /** Draws the output lengths; `createRandom(0)` by default, so the same requests get the same lengths. */
  readonly random?: Random;
  /** What `vllm:cache_config_info` reports besides the blocks: vLLM's `--gpu-memory-utilization` (0.9) and `--kv-cache-dtype` ('auto'). */
  readonly gpuMemoryUtilization?: number;
  readonly kvCacheDtype?: string;
}

/** A node:http server (not yet listening) with the engine behind it; closing the server closes the engine. */
export interface EmulatorServer extends Server {
  readonly engine: EmulatorEngine;
  /** The max_model_len `/v1/models` advertises and requests are held to. */
  readonly maxModelLen: number;
}

const ROUTES: Record<string, string> = {
  '/health': 'GET',
  '/version': 'GET',
  '/metrics': 'GET',
  '/v1/models': 'GET',
  '/v1/completions': 'POST',
  '/v1/chat/completions': 'POST',
  '/v1/responses': 'POST',
  '/v1/embeddings': 'POST',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAiError,
  ) {
    super(body.error.message);
  }
}

type Api = 'completion' | 'chat' | 'responses';

/** A generation request as every API asks for it. */
interface ServedRequest {
  readonly api: Api;
  readonly model: string | null | undefined;
  /** Tokens of each prompt (a completion may send a batch). */
  readonly promptTokens: readonly number[];
  readonly n: number;
  /** The client's limit, if it set one. */
  readonly maxTokens: number | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly ignoreEos: boolean;
  readonly minTokens: number;
  readonly stop: readonly string[];
  readonly includeStopString: boolean;
  /** Alternatives to report per token; undefined for no logprobs. */
  readonly logprobs: number | undefined;
  readonly responses?: ResponsesRequest;
}

/**
 * An OpenAI-compatible server (the endpoints of `vllm serve` a benchmark or an application uses) whose tokens
 * come out when the emulator engine says they are computed: timing from the performance model, text a filler.
 */
export function createEmulatorServer(options: EmulatorServerOptions): EmulatorServer {
  const { performanceModel, modelName, kvCacheBlocks, clock } = options;
  const blockSize = options.scheduler?.blockSize ?? 16;
  const kvCacheTokens = kvCacheBlocks * blockSize;
  const maxModelLen = Math.min(options.maxModelLen ?? options.scheduler?.maxModelLen ?? kvCacheTokens, kvCacheTokens);
  const metrics = new ServerMetrics(modelName, maxModelLen, {
    blockSize,
    numGpuBlocks: kvCacheBlocks,
    gpuMemoryUtilization: options.gpuMemoryUtilization ?? 0.9,
    cacheDtype: options.kvCacheDtype ?? 'auto',
    enablePrefixCaching: false,
  });
  const engine = new EmulatorEngine({
    performanceModel,
    kvCacheBlocks,
    scheduler: { ...options.scheduler, maxModelLen },
    clock,
    onStepEnd: (step) => metrics.recordIteration(step.promptTokens + step.generationTokens),
  });
  const version = options.version ?? EMULATOR_VERSION;
  const startedSeconds = Math.floor(clock.nowSeconds());
  const maxBodyBytes = maxBodyBytesFor(maxModelLen);
  const distribution = OutputLengthDistributionSchema.safeParse(options.outputLength ?? AZURE_CONV_2023_OUTPUT_LENGTH);
  if (!distribution.success) {
    const issues = distribution.error.issues.map((i) => `outputLength${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`).join('; ');
    throw new EmulatorError('INVALID_CONFIG', `invalid output-length distribution: ${issues}`);
  }
  const eos = { random: options.random ?? createRandom(0), distribution: distribution.data };
  const modelCard = {
    id: modelName,
    object: 'model',
    created: startedSeconds,
    owned_by: 'vllm',
    root: modelName,
    parent: null,
    max_model_len: maxModelLen,
    permission: [],
  };
  let nextRequest = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const modelPath = path.startsWith('/v1/models/');
    const method = modelPath ? 'GET' : ROUTES[path];
    if (method === undefined) throw new HttpError(404, openAiError(`no route ${req.method} ${path}`, null, 'not_found'));
    if (req.method !== method) {
      res.setHeader('allow', method);
      throw new HttpError(405, openAiError(`method ${req.method} not allowed on ${path}; use ${method}`, null, 'method_not_allowed'));
    }
    if (modelPath) {
      // A served name may hold slashes (meta-llama/Llama-3.1-8B); the OpenAI SDK sends it URL-encoded.
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (id !== modelName) throw new HttpError(404, openAiError(`The model \`${id}\` does not exist.`, 'model', 'model_not_found'));
      return sendJson(res, 200, modelCard);
    }
    switch (path) {
      case '/health':
        res.writeHead(200).end();
        return;
      case '/version':
        return sendJson(res, 200, { version });
      case '/metrics':
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(
          metrics.format({
            runningRequests: engine.runningRequests,
            waitingRequests: engine.waitingRequests,
            kvCacheUsage: engine.kvCacheUsage,
            preemptions: engine.preemptions,
          }),
        );
        return;
      case '/v1/models':
        return sendJson(res, 200, { object: 'list', data: [modelCard] });
      case '/v1/embeddings':
        // vLLM serving a generative model answers exactly this (its api_server's create_embedding).
        await readBody(req, maxBodyBytes, maxModelLen);
        throw new HttpError(400, openAiError('The model does not support Embeddings API', null, 400, 'BadRequestError'));
    }
    const api: Api = path === '/v1/chat/completions' ? 'chat' : path === '/v1/responses' ? 'responses' : 'completion';
    const body = parseJson(await readBody(req, maxBodyBytes, maxModelLen));
    const request = api === 'chat' ? readChatRequest(body) : api === 'responses' ? readResponsesRequest(body) : readCompletionRequest(body);
    if (request.model != null && request.model !== modelName) {
      throw new HttpError(404, openAiError(`The model \`${request.model}\` does not exist; served: ${modelName}`, 'model', 'model_not_found'));
    }
    const promptField = api === 'chat' ? 'messages' : api === 'responses' ? 'input' : 'prompt';
    const limitField = api === 'responses' ? 'max_output_tokens' : 'max_tokens';
    if (request.n * request.promptTokens.length > engine.config.maxNumSeqs) {
      throw new HttpError(
        400,
        openAiError(
          `n (${request.n}) times the prompts (${request.promptTokens.length}) asks for more sequences than max_num_seqs ${engine.config.maxNumSeqs}; the emulator runs a request's choices together`,
          'n',
          'invalid_value',
        ),
      );
    }
    const plans: ChoicePlan[] = [];
    request.promptTokens.forEach((promptTokens, p) => {
      if (promptTokens >= maxModelLen) {
        throw new HttpError(
          400,
          openAiError(
            `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input.`,
            promptField,
            'context_length_exceeded',
          ),
        );
      }
      // Without a limit vLLM stops a completion at 16 tokens and anything else at the context's end.
      const maxTokens = request.maxTokens ?? (api === 'completion' ? 16 : maxModelLen - promptTokens);
      if (promptTokens + maxTokens > maxModelLen) {
        throw new HttpError(
          400,
          openAiError(
            `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the ${promptField}, ${maxTokens} in the completion). Please reduce the length of the ${promptField} or completion.`,
            limitField,
            'context_length_exceeded',
          ),
        );
      }
      const reason = engine.rejectionReason(promptTokens, maxTokens);
      if (reason !== undefined) {
        throw new HttpError(400, openAiError(`request of ${promptTokens} prompt and ${maxTokens} output tokens can never run: ${reason}`, promptField, reason));
      }
      const limits = {
        maxTokens,
        clientLimit: request.maxTokens !== undefined,
        ignoreEos: request.ignoreEos,
        minTokens: Math.min(request.minTokens, maxTokens),
        stop: request.stop,
        includeStopString: request.includeStopString,
      };
      for (let i = 0; i < request.n; i++) plans.push(planChoice(p * request.n + i, promptTokens, limits, eos));
    });
    metrics.recordRequestParameters(request.n, request.maxTokens);

    const number = nextRequest++;
    const created = Math.floor(clock.nowSeconds());
    const promptTokensTotal = request.promptTokens.reduce((a, b) => a + b, 0);
    const usage = () => {
      const completionTokens = plans.reduce((sum, p) => sum + p.outputTokens, 0);
      return { prompt_tokens: promptTokensTotal, total_tokens: promptTokensTotal + completionTokens, completion_tokens: completionTokens };
    };
    const { stream } = request;
    const renderer =
      api === 'responses'
        ? responsesRenderer(res, request.responses!, number, created, modelName, stream)
        : completionsRenderer(res, api === 'chat', number, created, modelName, stream, request.includeUsage, request.logprobs, plans, usage);
    runChoices(plans, res, renderer);
  };

  /**
   * Puts every choice in the engine and reports its tokens as they come; when the client goes away first,
   * aborts what is left so that its KV blocks serve the others.
   */
  const runChoices = (plans: readonly ChoicePlan[], res: ServerResponse, renderer: Renderer): void => {
    const arrivalSeconds = clock.nowSeconds();
    const running = new Map<number, ChoicePlan>();
    let done = false;
    const ids: number[] = [];
    for (const plan of plans) {
      let previousTokenSeconds = NaN;
      let sentCharacters = 0;
      const id = engine.add({
        inputTokens: plan.promptTokens,
        outputTokens: plan.outputTokens,
        onToken: (index, timeSeconds) => {
          if (index === 0) {
            metrics.recordFirstToken(plan.promptTokens, timeSeconds - arrivalSeconds);
            metrics.recordToken();
          } else {
            metrics.recordToken(timeSeconds - previousTokenSeconds);
          }
          previousTokenSeconds = timeSeconds;
          const upTo = streamedCharacters(plan, index + 1);
          const delta = plan.text.slice(sentCharacters, upTo);
          sentCharacters = Math.max(sentCharacters, upTo);
          renderer.onToken(plan, index, delta);
        },
        onFinish: (result) => {
          running.delete(id);
          metrics.recordFinished({
            finishedReason: plan.finishReason,
            e2eSeconds: result.finishSeconds - arrivalSeconds,
            queuedSeconds: result.firstScheduledSeconds - arrivalSeconds,
            prefillSeconds: result.firstTokenSeconds - result.firstScheduledSeconds,
            decodeSeconds: result.finishSeconds - result.firstTokenSeconds,
            inferenceSeconds: result.finishSeconds - result.firstScheduledSeconds,
            promptTokens: plan.promptTokens,
            generationTokens: plan.outputTokens,
          });
          if (running.size > 0) return;
          done = true;
          metrics.recordMaxGenerationTokens(Math.max(...plans.map((p) => p.outputTokens)));
          renderer.onDone();
        },
      });
      ids.push(id);
      running.set(id, plan);
    }
    // Tokens come on later timers, never within add(), so the stream can open after it.
    renderer.onStart();
    res.on('close', () => {
      if (done) return;
      for (const id of running.keys()) {
        // As vLLM counts a request its client dropped: finished, with reason abort.
        if (engine.abort(id)) metrics.recordAbort(clock.nowSeconds() - arrivalSeconds);
      }
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) return sendJson(res, error.status, error.body);
      const message = error instanceof Error ? error.message : String(error);
      const status = error instanceof EmulatorError && error.code === 'REQUEST_TOO_LONG' ? 400 : 500;
      sendJson(res, status, openAiError(message, null, error instanceof EmulatorError ? error.code : null, status === 400 ? 'invalid_request_error' : 'server_error'));
    });
  }) as EmulatorServer;
  Object.defineProperty(server, 'engine', { value: engine, enumerable: true });
  Object.defineProperty(server, 'maxModelLen', { value: maxModelLen, enumerable: true });
  server.on('close', () => engine.close());
  return server;
}

/** How one API turns a request's choices into HTTP: stream chunks as tokens come, or one body at the end. */
interface Renderer {
  onStart(): void;
  onToken(plan: ChoicePlan, tokenIndex: number, delta: string): void;
  onDone(): void;
}

/** vLLM's stream_options rule, and the few others both APIs share. */
function commonFields(r: CompletionRequest | ChatCompletionRequest) {
  if (r.stream_options != null && r.stream !== true) {
    throw new HttpError(400, openAiError('Stream options can only be defined when `stream=True`.', 'stream_options', 'invalid_value'));
  }
  const maxTokens = ('max_completion_tokens' in r ? (r.max_completion_tokens as number | null | undefined) : undefined) ?? r.max_tokens;
  if (maxTokens != null && r.min_tokens != null && r.min_tokens > maxTokens) {
    // vLLM's SamplingParams refuses this rather than running past the limit.
    throw new HttpError(400, openAiError(`min_tokens must be less than or equal to max_tokens=${maxTokens}, got ${r.min_tokens}.`, 'min_tokens', 'invalid_value'));
  }
  return {
    model: r.model,
    n: r.n ?? 1,
    stream: r.stream === true,
    includeUsage: r.stream_options?.include_usage === true,
    ignoreEos: r.ignore_eos === true,
    minTokens: r.min_tokens ?? 0,
    // An empty stop string would end every choice at once; vLLM drops them too.
    stop: (typeof r.stop === 'string' ? [r.stop] : (r.stop ?? [])).filter((s) => s.length > 0),
    includeStopString: r.include_stop_str_in_output === true,
  };
}

function readCompletionRequest(body: unknown): ServedRequest {
  const r = parseWith(CompletionRequestSchema, body);
  return {
    api: 'completion',
    ...commonFields(r),
    promptTokens: splitPrompts(r.prompt).map(countPromptTokens),
    maxTokens: r.max_tokens ?? undefined,
    logprobs: r.logprobs ?? undefined,
  };
}

function readChatRequest(body: unknown): ServedRequest {
  const r = parseWith(ChatCompletionRequestSchema, body);
  if (r.top_logprobs != null && r.top_logprobs > 0 && r.logprobs !== true) {
    throw new HttpError(400, openAiError('when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs', 'invalid_value'));
  }
  return {
    api: 'chat',
    ...commonFields(r),
    promptTokens: [countChatTokens(r.messages)],
    // OpenAI's newer name wins when both are given, as in vLLM.
    maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
    logprobs: r.logprobs === true ? (r.top_logprobs ?? 0) : undefined,
  };
}

function readResponsesRequest(body: unknown): ServedRequest {
  const r = parseWith(ResponsesRequestSchema, body);
  if (r.previous_response_id != null) {
    // vLLM keeps no responses unless its store is enabled; the emulator never does.
    throw new HttpError(404, openAiError(`Response with id '${r.previous_response_id}' not found.`, 'previous_response_id', 'invalid_value'));
  }
  return {
    api: 'responses',
    model: r.model,
    promptTokens: [countChatTokens(responsesInputAsMessages(r))],
    n: 1,
    maxTokens: r.max_output_tokens ?? undefined,
    stream: r.stream === true,
    includeUsage: false,
    ignoreEos: false,
    minTokens: 0,
    stop: [],
    includeStopString: false,
    logprobs: undefined,
    responses: r,
  };
}

/** Completions' logprobs of tokens [from, to) of a choice: each token's, with itself as its only likely alternative. */
function completionLogprobs(plan: ChoicePlan, from: number, to: number) {
  const tokens: string[] = [];
  const offsets: number[] = [];
  for (let i = from; i < to; i++) {
    tokens.push(tokenText(plan, i));
    offsets.push(Math.min(i * FILLER_TOKEN_TEXT.length, plan.text.length));
  }
  return { text_offset: offsets, token_logprobs: tokens.map(() => 0), tokens, top_logprobs: tokens.map((t) => ({ [t]: 0 })) };
}

/** Chat logprobs of tokens [from, to): OpenAI's `content` entries; the emitted token is the only alternative listed. */
function chatLogprobs(plan: ChoicePlan, from: number, to: number, top: number) {
  const content = [];
  for (let i = from; i < to; i++) {
    const token = tokenText(plan, i);
    const bytes = [...Buffer.from(token, 'utf8')];
    content.push({ token, logprob: 0, bytes, top_logprobs: top > 0 ? [{ token, logprob: 0, bytes }] : [] });
  }
  return { content };
}

function completionsRenderer(
  res: ServerResponse,
  chat: boolean,
  number: number,
  created: number,
  model: string,
  stream: boolean,
  includeUsage: boolean,
  logprobs: number | undefined,
  plans: readonly ChoicePlan[],
  usage: () => { prompt_tokens: number; total_tokens: number; completion_tokens: number },
): Renderer {
  const id = chat ? `chatcmpl-${number}` : `cmpl-${number}`;
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const chunk = (choice: Record<string, unknown>) => ({ id, object, created, model, choices: [choice], ...(includeUsage ? { usage: null } : {}) });
  return {
    onStart: () => {
      if (!stream) return;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      // vLLM opens a chat stream with the assistant's role, once per choice, before any token.
      if (chat) for (const p of plans) sendEvent(res, chunk({ index: p.index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }));
    },
    onToken: (plan, tokenIndex, delta) => {
      if (!stream) return;
      const last = tokenIndex === plan.outputTokens - 1;
      const finish = last ? plan.finishReason : null;
      const stopReason = last ? plan.stopReason : null;
      const lp = logprobs === undefined ? null : chat ? chatLogprobs(plan, tokenIndex, tokenIndex + 1, logprobs) : completionLogprobs(plan, tokenIndex, tokenIndex + 1);
      sendEvent(
        res,
        chat
          ? chunk({ index: plan.index, delta: { content: delta }, logprobs: lp, finish_reason: finish, stop_reason: stopReason })
          : chunk({ index: plan.index, text: delta, logprobs: lp, finish_reason: finish, stop_reason: stopReason }),
      );
    },
    onDone: () => {
      if (stream) {
        if (includeUsage) sendEvent(res, { id, object, created, model, choices: [], usage: usage() });
        res.end('data: [DONE]\n\n');
        return;
      }
      const choices = [...plans]
        .sort((a, b) => a.index - b.index)
        .map((p) => {
          const lp = logprobs === undefined ? null : chat ? chatLogprobs(p, 0, p.outputTokens, logprobs) : completionLogprobs(p, 0, p.outputTokens);
          return chat
            ? { index: p.index, message: { role: 'assistant', content: p.text }, logprobs: lp, finish_reason: p.finishReason, stop_reason: p.stopReason }
            : { index: p.index, text: p.text, logprobs: lp, finish_reason: p.finishReason, stop_reason: p.stopReason };
        });
      sendJson(res, 200, { id, object: chat ? 'chat.completion' : 'text_completion', created, model, choices, usage: usage() });
    },
  };
}

/** The Responses API: one message of output text; a stream sends OpenAI's event sequence, named in `event:` lines. */
function responsesRenderer(res: ServerResponse, request: ResponsesRequest, number: number, created: number, model: string, stream: boolean): Renderer {
  const context: ResponseContext = {
    id: `resp_${number}`,
    messageId: `msg_${number}`,
    createdAtSeconds: created,
    model,
    instructions: request.instructions ?? null,
    maxOutputTokens: request.max_output_tokens ?? null,
    temperature: request.temperature ?? null,
    topP: request.top_p ?? null,
  };
  let sequence = 0;
  let plan: ChoicePlan | undefined;
  const event = (type: string, fields: Record<string, unknown>) => {
    if (res.writableEnded || res.destroyed) return;
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  };
  const where = { item_id: context.messageId, output_index: 0, content_index: 0 };
  return {
    onStart: () => {
      if (!stream) return;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      event('response.created', { response: responseObject(context, undefined, false) });
      event('response.in_progress', { response: responseObject(context, undefined, false) });
      event('response.output_item.added', { output_index: 0, item: messageItem(context, undefined) });
      event('response.content_part.added', { ...where, part: outputTextPart('') });
    },
    onToken: (p, _tokenIndex, delta) => {
      plan = p;
      if (stream && delta.length > 0) event('response.output_text.delta', { ...where, delta, logprobs: [] });
    },
    onDone: () => {
      const final = responseObject(context, plan, true);
      if (!stream) return sendJson(res, 200, final);
      event('response.output_text.done', { ...where, text: plan!.text, logprobs: [] });
      event('response.content_part.done', { ...where, part: outputTextPart(plan!.text) });
      event('response.output_item.done', { output_index: 0, item: messageItem(context, plan!.text) });
      event(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
      res.end();
    },
  };
}

function sendEvent(res: ServerResponse, data: unknown): void {
  if (!res.writableEnded && !res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, maxBytes: number, maxModelLen: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const declared = Number(req.headers['content-length']);
  const tooLarge = () =>
    new HttpError(
      413,
      openAiError(`request body over ${maxBytes} bytes: more than any prompt within this model's maximum context length of ${maxModelLen} tokens needs`, null, 'request_too_large'),
    );
  if (declared > maxBytes) {
    // Refused before reading; the connection closes after the answer, so the rest is never parsed.
    req.resume();
    throw tooLarge();
  }
  for await (const part of req) {
    const buffer = part as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(400, openAiError(`request body is not valid JSON: ${reason}`, null, 'invalid_json'));
  }
}

function parseWith<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  const message = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(body)'}: ${i.message}`).join('; ');
  throw new HttpError(400, openAiError(message, param, 'invalid_value'));
}
