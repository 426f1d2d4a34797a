import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PerformanceModel, SchedulerConfigInput } from '@llm-sim/simulator';
import type { z } from 'zod';
import type { Clock } from './clock.ts';
import { EmulatorEngine } from './emulator-engine.ts';
import { EmulatorError } from './errors.ts';
import {
  ChatCompletionRequestSchema,
  CompletionRequestSchema,
  FILLER_TOKEN_TEXT,
  countChatTokens,
  countPromptTokens,
  openAiError,
  type OpenAiError,
} from './openai-protocol.ts';
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

export interface EmulatorServerOptions {
  readonly performanceModel: PerformanceModel;
  /** The served model name: what `/v1/models` lists and requests must name (vLLM `--served-model-name`). */
  readonly modelName: string;
  readonly kvCacheBlocks: number;
  readonly scheduler?: SchedulerConfigInput;
  /** Longest prompt + output (vLLM `--max-model-len`); by default `scheduler.maxModelLen`, else the KV cache's tokens. */
  readonly maxModelLen?: number;
  readonly clock: Clock;
  readonly version?: string;
}

/** A node:http server (not yet listening) with the engine behind it; closing the server closes the engine. */
export interface EmulatorServer extends Server {
  readonly engine: EmulatorEngine;
}

const ROUTES: Record<string, string> = {
  '/health': 'GET',
  '/version': 'GET',
  '/metrics': 'GET',
  '/v1/models': 'GET',
  '/v1/completions': 'POST',
  '/v1/chat/completions': 'POST',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OpenAiError,
  ) {
    super(body.error.message);
  }
}

/**
 * An OpenAI-compatible server (the endpoints of `vllm serve` a benchmark uses) whose tokens come out
 * when the emulator engine says they are computed: timing from the performance model, text a filler.
 */
export function createEmulatorServer(options: EmulatorServerOptions): EmulatorServer {
  const { performanceModel, modelName, kvCacheBlocks, clock } = options;
  const blockSize = options.scheduler?.blockSize ?? 16;
  const maxModelLen = options.maxModelLen ?? options.scheduler?.maxModelLen ?? kvCacheBlocks * blockSize;
  const engine = new EmulatorEngine({ performanceModel, kvCacheBlocks, scheduler: { ...options.scheduler, maxModelLen }, clock });
  const metrics = new ServerMetrics(modelName);
  const version = options.version ?? EMULATOR_VERSION;
  const startedSeconds = Math.floor(clock.nowSeconds());
  const maxBodyBytes = maxBodyBytesFor(maxModelLen);
  let nextRequest = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = ROUTES[path];
    if (method === undefined) throw new HttpError(404, openAiError(`no route ${req.method} ${path}`, null, 'not_found'));
    if (req.method !== method) {
      res.setHeader('allow', method);
      throw new HttpError(405, openAiError(`method ${req.method} not allowed on ${path}; use ${method}`, null, 'method_not_allowed'));
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
        return sendJson(res, 200, {
          object: 'list',
          data: [
            {
              id: modelName,
              object: 'model',
              created: startedSeconds,
              owned_by: 'vllm',
              root: modelName,
              parent: null,
              max_model_len: maxModelLen,
              permission: [],
            },
          ],
        });
    }
    const chat = path === '/v1/chat/completions';
    const body = parseJson(await readBody(req, maxBodyBytes, maxModelLen));
    const request = chat ? readChatRequest(body) : readCompletionRequest(body);
    if (request.model != null && request.model !== modelName) {
      throw new HttpError(404, openAiError(`The model \`${request.model}\` does not exist; served: ${modelName}`, 'model', 'model_not_found'));
    }
    const { promptTokens } = request;
    const promptField = chat ? 'messages' : 'prompt';
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
    // Without max_tokens vLLM generates 16 for a completion and up to the context's end for a chat.
    const maxTokens = request.maxTokens ?? (chat ? maxModelLen - promptTokens : 16);
    if (promptTokens + maxTokens > maxModelLen) {
      throw new HttpError(
        400,
        openAiError(
          `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the ${promptField}, ${maxTokens} in the completion). Please reduce the length of the ${promptField} or completion.`,
          'max_tokens',
          'context_length_exceeded',
        ),
      );
    }
    const reason = engine.rejectionReason(promptTokens, maxTokens);
    if (reason !== undefined) {
      throw new HttpError(400, openAiError(`request of ${promptTokens} prompt and ${maxTokens} output tokens can never run: ${reason}`, promptField, reason));
    }

    const number = nextRequest++;
    const id = chat ? `chatcmpl-${number}` : `cmpl-${number}`;
    const created = Math.floor(clock.nowSeconds());
    const object = chat ? 'chat.completion' : 'text_completion';
    const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens + maxTokens, completion_tokens: maxTokens };
    const arrivalSeconds = clock.nowSeconds();
    const { stream } = request;
    const includeUsage = stream && request.includeUsage;
    let done = false;

    const engineId = engine.add({
      inputTokens: promptTokens,
      outputTokens: maxTokens,
      onToken: (index, timeSeconds) => {
        metrics.recordToken();
        if (index === 0) metrics.recordFirstToken(promptTokens, timeSeconds - arrivalSeconds);
        if (!stream) return;
        const finish = index === maxTokens - 1 ? 'length' : null;
        sendEvent(res, chunk(id, created, modelName, chat, chat ? { content: FILLER_TOKEN_TEXT } : FILLER_TOKEN_TEXT, finish, includeUsage));
      },
      onFinish: (result) => {
        done = true;
        metrics.recordSuccess('length', result.finishSeconds - arrivalSeconds);
        if (stream) {
          if (includeUsage) sendEvent(res, { id, object: chat ? 'chat.completion.chunk' : 'text_completion', created, model: modelName, choices: [], usage });
          res.end('data: [DONE]\n\n');
          return;
        }
        const text = FILLER_TOKEN_TEXT.repeat(maxTokens);
        const choice = chat
          ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'length', stop_reason: null }
          : { index: 0, text, logprobs: null, finish_reason: 'length', stop_reason: null };
        sendJson(res, 200, { id, object, created, model: modelName, choices: [choice], usage });
      },
    });
    // Tokens come on later timers, never within add(), so the stream can open after it.
    if (stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      // vLLM opens a chat stream with the assistant's role before any token.
      if (chat) sendEvent(res, chunk(id, created, modelName, true, { role: 'assistant', content: '' }, null, includeUsage));
    }
    // A client that goes away mid-request: abort it, so its KV blocks serve the others.
    res.on('close', () => {
      if (done) return;
      engine.abort(engineId);
      // As vLLM counts a request its client dropped: finished, with reason abort.
      metrics.recordSuccess('abort', clock.nowSeconds() - arrivalSeconds);
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
  server.on('close', () => engine.close());
  return server;
}

interface ServedRequest {
  readonly model: string | null | undefined;
  readonly promptTokens: number;
  readonly maxTokens: number | null | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

function readCompletionRequest(body: unknown): ServedRequest {
  const r = parseWith(CompletionRequestSchema, body);
  return {
    model: r.model,
    promptTokens: countPromptTokens(r.prompt),
    maxTokens: r.max_tokens,
    stream: r.stream === true,
    includeUsage: r.stream_options?.include_usage === true,
  };
}

function readChatRequest(body: unknown): ServedRequest {
  const r = parseWith(ChatCompletionRequestSchema, body);
  return {
    model: r.model,
    promptTokens: countChatTokens(r.messages),
    // OpenAI's newer name wins when both are given, as in vLLM.
    maxTokens: r.max_completion_tokens ?? r.max_tokens,
    stream: r.stream === true,
    includeUsage: r.stream_options?.include_usage === true,
  };
}

function chunk(id: string, created: number, model: string, chat: boolean, content: unknown, finishReason: string | null, includeUsage: boolean) {
  const choice = chat
    ? { index: 0, delta: content, logprobs: null, finish_reason: finishReason }
    : { index: 0, text: content, logprobs: null, finish_reason: finishReason, stop_reason: null };
  return {
    id,
    object: chat ? 'chat.completion.chunk' : 'text_completion',
    created,
    model,
    choices: [choice],
    ...(includeUsage ? { usage: null } : {}),
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
