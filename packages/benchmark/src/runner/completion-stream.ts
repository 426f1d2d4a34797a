import { z } from 'zod';
import { RunnerError } from './runner-error.ts';
import { serverRootUrl } from './server-url.ts';
import { createSseParser } from './sse-parser.ts';

/** Milliseconds from an arbitrary origin, never going backwards (`performance.now()`). */
export type MonotonicClock = () => number;

export type FetchFunction = typeof globalThis.fetch;

export const defaultClock: MonotonicClock = () => performance.now();

/**
 * One chunk of an OpenAI completions stream, as vLLM, SGLang and trtllm-serve send it: `choices[0].text` with
 * the new token(s), and with `stream_options.include_usage` a last chunk with empty `choices` and the `usage`.
 * Servers add fields of their own, so unknown keys are kept. An in-stream failure comes as an `error` object
 * (OpenAI style) or as `{ object: 'error', message, code }` (vLLM's ErrorResponse).
 */
export const CompletionChunkSchema = z.looseObject({
  object: z.string().optional(),
  message: z.string().optional(),
  code: z.union([z.number(), z.string()]).nullish(),
  choices: z.array(z.looseObject({ text: z.string().nullish(), finish_reason: z.string().nullish() })).optional(),
  usage: z
    .looseObject({
      prompt_tokens: z.number().int().nonnegative().nullish(),
      completion_tokens: z.number().int().nonnegative().nullish(),
    })
    .nullish(),
  error: z.unknown().optional(),
});
export type CompletionChunk = z.infer<typeof CompletionChunkSchema>;

/** One streamed completion to time: where, which model, the prompt's token ids and the output length. */
export interface CompletionRequest {
  /** Server root or OpenAI base URL (`http://127.0.0.1:8000` or `.../v1`). */
  readonly endpoint: string;
  /** The served model id (`--served-model-name`, or the path vLLM was started with). */
  readonly modelName: string;
  /** The prompt as token ids, so its length is exact. */
  readonly promptTokenIds: readonly number[];
  /** Output tokens to generate; `ignore_eos` makes the server produce all of them. */
  readonly maxTokens: number;
  /** The HTTP client; default `globalThis.fetch`. */
  readonly fetch?: FetchFunction;
  /** Times the chunks' arrivals; default `performance.now()`. */
  readonly clock?: MonotonicClock;
  /** Limit on the whole request, from sending to the stream's end. */
  readonly timeoutMs?: number;
  /** Limit on silence: no byte for this long fails the request (a stalled server). */
  readonly idleTimeoutMs?: number;
  /** Stops the request (`ABORTED`). */
  readonly signal?: AbortSignal;
  /** Added to the request body (e.g. SGLang- or TensorRT-LLM-specific sampling fields). */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Told the arrival time of each chunk that carries a token, as it arrives (a pilot request is watched so). */
  readonly onTokenChunk?: (atMs: number) => void;
}

/** When each part of one streamed completion arrived, on the injected clock (milliseconds). */
export interface CompletionTiming {
  /** Clock reading just before the request was handed to `fetch`. */
  readonly sentAtMs: number;
  /** Arrival of each chunk that carried a choice: one per generated token on vLLM (and most servers). */
  readonly chunkTimesMs: readonly number[];
  /** Arrival of `data: [DONE]`. */
  readonly endAtMs: number;
  /** Time to first token: first chunk - sent. */
  readonly ttftMs: number;
  /** End to end: [DONE] - sent. */
  readonly e2eMs: number;
  /** Gaps between consecutive chunks (inter-token latencies when each chunk is one token). */
  readonly itlMs: readonly number[];
  /** Prompt tokens the server counted (from usage), when it said. */
  readonly promptTokens?: number;
  /** Generated tokens: the usage chunk's `completion_tokens`, else the number of chunks with a choice. */
  readonly completionTokens: number;
  readonly completionTokensFrom: 'usage' | 'chunks';
}

const BODY_SNIPPET_CHARS = 300;

/** The error message a server put in its body (OpenAI `{error:{message}}`, vLLM `{message}`), or the body's start. */
function errorBodyMessage(text: string): string {
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } | string; detail?: unknown };
    if (typeof json.message === 'string') return json.message;
    if (typeof json.error === 'string') return json.error;
    if (json.error && typeof json.error.message === 'string') return json.error.message;
    if (typeof json.detail === 'string') return json.detail;
  } catch {
    // not JSON: fall through to the raw text
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > BODY_SNIPPET_CHARS ? `${flat.slice(0, BODY_SNIPPET_CHARS)}…` : flat;
}

/** Walks `cause` links for a socket error code (undici wraps ECONNREFUSED / ECONNRESET / UND_ERR_SOCKET). */
function errnoOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof Error) parts.push(current.message);
    else parts.push(String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return [...new Set(parts)].join(': ');
}

function isRetryableStatus(status: number): boolean {
  // 5xx: the server failed and may recover; 429: it asked us to slow down. Other 4xx: our request is wrong.
  return status >= 500 || status === 429;
}

/**
 * Sends one streaming completion (`POST /v1/completions`, `stream: true`, `stream_options.include_usage`,
 * `ignore_eos: true`, `temperature: 0`) and times every chunk as it arrives. Throws a `RunnerError`: `HTTP_ERROR`
 * (with status; retryable for 5xx and 429), `CONNECTION_ERROR` (refused, reset, or the stream ended before
 * `data: [DONE]`; retryable), `TIMEOUT`, `ABORTED` (the caller's signal), `PROTOCOL_ERROR` (not an SSE stream
 * of completion chunks).
 */
export async function streamCompletion(request: CompletionRequest): Promise<CompletionTiming> {
  return prepareCompletion(request)();
}

/**
 * `streamCompletion` in two steps: build and serialise the request now, send it when the returned function is
 * called. A batch prepares all its requests first so that they leave together, not one serialisation apart.
 */
export function prepareCompletion(request: CompletionRequest): () => Promise<CompletionTiming> {
  const url = `${serverRootUrl(request.endpoint)}/v1/completions`;
  const body = JSON.stringify({
    model: request.modelName,
    prompt: request.promptTokenIds,
    max_tokens: request.maxTokens,
    ignore_eos: true,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
    ...request.extraBody,
  });
  return () => sendCompletion(request, url, body);
}

async function sendCompletion(request: CompletionRequest, url: string, body: string): Promise<CompletionTiming> {
  const fetchFn = request.fetch ?? globalThis.fetch;
  const clock = request.clock ?? defaultClock;
  const controller = new AbortController();
  let timeoutReason: string | undefined;
  const expire = (why: string) => {
    if (controller.signal.aborted) return;
    timeoutReason = why;
    controller.abort(new RunnerError('TIMEOUT', why));
  };
  const onCallerAbort = () => controller.abort(request.signal?.reason);
  if (request.signal?.aborted) throw new RunnerError('ABORTED', 'the run was stopped before the request was sent');
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const totalTimer =
    request.timeoutMs === undefined
      ? undefined
      : setTimeout(() => expire(`no complete response within ${request.timeoutMs} ms (timeoutMs)`), request.timeoutMs);
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    if (request.idleTimeoutMs === undefined) return;
    clearTimeout(idleTimer);
    const ms = request.idleTimeoutMs;
    idleTimer = setTimeout(() => expire(`the server sent nothing for ${ms} ms (idleTimeoutMs)`), ms);
  };

  const failure = (error: unknown, where: string): RunnerError => {
    if (error instanceof RunnerError) return error;
    if (timeoutReason !== undefined) return new RunnerError('TIMEOUT', timeoutReason, { cause: error });
    if (request.signal?.aborted) return new RunnerError('ABORTED', `the run was stopped ${where}`, { cause: error });
    const errno = errnoOf(error);
    return new RunnerError('CONNECTION_ERROR', `${where}: ${describeError(error)}${errno ? ` (${errno})` : ''}`, {
      errno,
      retryable: true,
      cause: error,
    });
  };

  const sentAtMs = clock();
  touch();
  try {
    let response: Response;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body,
        signal: controller.signal,
      });
    } catch (error) {
      throw failure(error, `POST ${url} failed`);
    }
    if (!response.ok) {
      let text = '';
      try {
        text = await response.text();
      } catch (error) {
        throw failure(error, `reading the ${response.status} error body of POST ${url}`);
      }
      throw new RunnerError('HTTP_ERROR', `POST ${url} returned HTTP ${response.status}: ${errorBodyMessage(text)}`, {
        status: response.status,
        retryable: isRetryableStatus(response.status),
      });
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (response.body === null || contentType.includes('application/json')) {
      await response.body?.cancel().catch(() => undefined);
      throw new RunnerError(
        'PROTOCOL_ERROR',
        `POST ${url} answered with ${contentType || 'no body'} instead of an event stream; does the server support stream: true?`,
      );
    }

    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser();
    const chunkTimesMs: number[] = [];
    let usage: CompletionChunk['usage'];
    let endAtMs: number | undefined;

    const takeEvent = (data: string, atMs: number) => {
      if (endAtMs !== undefined) return;
      if (data.trim() === '[DONE]') {
        endAtMs = atMs;
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        throw new RunnerError('PROTOCOL_ERROR', `POST ${url} sent an event that is not JSON: ${data.slice(0, 120)}`);
      }
      const parsed = CompletionChunkSchema.safeParse(json);
      if (!parsed.success) {
        throw new RunnerError('PROTOCOL_ERROR', `POST ${url} sent a chunk that is not a completion chunk: ${data.slice(0, 120)}`);
      }
      const chunk = parsed.data;
      if (chunk.error !== undefined || chunk.object === 'error') {
        const err = chunk.error as { message?: unknown; code?: unknown } | string | undefined;
        const message =
          typeof err === 'string' ? err : typeof err?.message === 'string' ? err.message : (chunk.message ?? data.slice(0, 200));
        const rawCode = typeof err === 'object' && err !== null ? err.code : chunk.code;
        const status = typeof rawCode === 'number' ? rawCode : Number.parseInt(String(rawCode ?? ''), 10);
        const known = Number.isInteger(status) && status >= 400 && status < 600;
        throw new RunnerError('HTTP_ERROR', `POST ${url} failed mid-stream${known ? ` (${status})` : ''}: ${message}`, {
          status: known ? status : undefined,
          retryable: known ? isRetryableStatus(status) : true,
        });
      }
      if (chunk.choices !== undefined && chunk.choices.length > 0) {
        chunkTimesMs.push(atMs);
        request.onTokenChunk?.(atMs);
      }
      if (chunk.usage) usage = chunk.usage;
    };

    try {
      for (;;) {
        const { done, value } = await reader.read();
        const atMs = clock();
        touch();
        if (done) {
          for (const data of parser.finish()) takeEvent(data, atMs);
          break;
        }
        for (const data of parser.push(decoder.decode(value, { stream: true }))) takeEvent(data, atMs);
        if (endAtMs !== undefined) break;
      }
    } catch (error) {
      throw failure(error, `reading the stream of POST ${url} after ${chunkTimesMs.length} tokens`);
    } finally {
      if (endAtMs !== undefined) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }

    if (endAtMs === undefined) {
      throw new RunnerError(
        'CONNECTION_ERROR',
        `the stream of POST ${url} ended after ${chunkTimesMs.length} tokens without data: [DONE]`,
        { retryable: true },
      );
    }
    if (chunkTimesMs.length === 0) {
      throw new RunnerError('PROTOCOL_ERROR', `POST ${url} streamed no tokens before data: [DONE]`);
    }
    const fromUsage = typeof usage?.completion_tokens === 'number';
    const itlMs: number[] = [];
    for (let i = 1; i < chunkTimesMs.length; i++) itlMs.push(chunkTimesMs[i] - chunkTimesMs[i - 1]);
    const timing: CompletionTiming = {
      sentAtMs,
      chunkTimesMs,
      endAtMs,
      ttftMs: chunkTimesMs[0] - sentAtMs,
      e2eMs: endAtMs - sentAtMs,
      itlMs,
      completionTokens: fromUsage ? (usage!.completion_tokens as number) : chunkTimesMs.length,
      completionTokensFrom: fromUsage ? 'usage' : 'chunks',
    };
    return typeof usage?.prompt_tokens === 'number' ? { ...timing, promptTokens: usage.prompt_tokens } : timing;
  } finally {
    clearTimeout(totalTimer);
    clearTimeout(idleTimer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}
