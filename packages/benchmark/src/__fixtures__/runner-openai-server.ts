import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 that speaks the part of vLLM's OpenAI-compatible API the runner uses, with
 * token timing set by the test, and ways to misbehave. Chunks follow vLLM's CompletionStreamResponse
 * (vllm/entrypoints/openai/protocol.py): `choices[{index, text, logprobs, finish_reason, stop_reason}]`, then
 * with include_usage one chunk with `choices: []` and `usage`, then `data: [DONE]`.
 */

/** What the server does with one completion request. */
export type Behaviour =
  | { readonly kind: 'stream'; readonly ttftMs: number; readonly gapMs: number; readonly omitUsage?: boolean }
  /** Answers with this status and a vLLM-style ErrorResponse body. */
  | { readonly kind: 'status'; readonly status: number; readonly message: string }
  /** Streams `afterTokens` tokens, then destroys the socket (a crashed worker, a reset). */
  | { readonly kind: 'drop'; readonly afterTokens: number; readonly ttftMs: number; readonly gapMs: number }
  /** Streams `afterTokens` tokens, then sends nothing more, keeping the connection open. */
  | { readonly kind: 'stall'; readonly afterTokens: number; readonly ttftMs: number; readonly gapMs: number };

export interface CompletionBody {
  readonly model: string;
  readonly prompt: number[];
  readonly max_tokens: number;
  readonly ignore_eos?: boolean;
  readonly temperature?: number;
  readonly stream?: boolean;
  readonly stream_options?: { include_usage?: boolean };
}

export interface OpenAiTestServerOptions {
  readonly modelId?: string;
  readonly maxModelLen?: number;
  /** vLLM answers GET /version with `{"version": ...}`; undefined makes it a 404, as on servers without it. */
  readonly version?: string;
  /**
   * Runs one request at a time, the next starting when the previous ends (vLLM with max_num_seqs 1). Otherwise
   * requests stream side by side, a first token ttftMs after the first request of a busy period arrived.
   */
  readonly serial?: boolean;
  /** Decides per completion request (0-based, in arrival order). */
  readonly behaviour: (index: number, body: CompletionBody) => Behaviour;
}

export interface OpenAiTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Completion request bodies in arrival order. */
  readonly completions: CompletionBody[];
  /** Per streamed request (in the order streaming began), `performance.now()` right after each token chunk was written. */
  readonly chunkWrites: number[][];
  close(): Promise<void>;
}

const TEXT_PIECES = [' the', ' quick', ' brown', ' fox', ' jumps', ' over', ' a', ' lazy', ' dog', '.'];

function sendJson(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startOpenAiServer(options: OpenAiTestServerOptions): Promise<OpenAiTestServer> {
  const modelId = options.modelId ?? 'test-model';
  const completions: CompletionBody[] = [];
  const chunkWrites: number[][] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, Math.max(0, ms));
    timers.add(t);
  };

  let queue: Promise<void> = Promise.resolve();
  // Like a batching engine, the first tokens of requests that arrive while others stream (a batch sent at
  // once reaches the server a little apart) are due ttftMs after the first of them arrived, not after each.
  let streaming = 0;
  let busySinceMs = 0;
  /** Streams one response; settles when its connection closes (ended, dropped, or closed with the server). */
  const stream = (res: ServerResponse, body: CompletionBody, b: Extract<Behaviour, { ttftMs: number }>, id: string) =>
    new Promise<void>((finished) => {
      if (streaming++ === 0) busySinceMs = performance.now();
      let counted = true;
      // At the stream's end, not at 'close' (which may come later): the next batch starts a new busy period.
      const release = () => {
        if (counted) streaming--;
        counted = false;
      };
      res.on('close', () => {
        release();
        finished();
      });
      const created = 1_700_000_000;
      const tokens = b.kind === 'stream' ? body.max_tokens : Math.min(b.afterTokens, body.max_tokens);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
      const writes: number[] = [];
      chunkWrites.push(writes);
      const emit = (k: number) => {
        if (res.destroyed) return;
        if (k < tokens) {
          const last = b.kind === 'stream' && k === tokens - 1;
          const text = TEXT_PIECES[k % TEXT_PIECES.length];
          const choice = { index: 0, text, logprobs: null, finish_reason: last ? 'length' : null, stop_reason: null };
          res.write(`data: ${JSON.stringify({ id, object: 'text_completion', created, model: modelId, choices: [choice], usage: null })}\n\n`);
          writes.push(performance.now());
          // From the previous write, so that no gap is shorter than gapMs even when a timer fires late.
          later(() => emit(k + 1), b.gapMs);
          return;
        }
        if (b.kind === 'drop') {
          res.socket?.destroy();
          return;
        }
        if (b.kind === 'stall') return;
        if (!b.omitUsage && body.stream_options?.include_usage) {
          const usage = { prompt_tokens: body.prompt.length, total_tokens: body.prompt.length + tokens, completion_tokens: tokens };
          res.write(`data: ${JSON.stringify({ id, object: 'text_completion', created, model: modelId, choices: [], usage })}\n\n`);
        }
        release();
        res.end('data: [DONE]\n\n');
      };
      later(() => emit(0), busySinceMs + b.ttftMs - performance.now());
    });

  const server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        const card: Record<string, unknown> = { id: modelId, object: 'model', created: 1_700_000_000, owned_by: 'vllm', root: modelId, parent: null };
        if (options.maxModelLen !== undefined) card.max_model_len = options.maxModelLen;
        sendJson(res, 200, { object: 'list', data: [card] });
        return;
      }
      if (req.method === 'GET' && req.url === '/version' && options.version !== undefined) {
        sendJson(res, 200, { version: options.version });
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/completions') {
        const body = JSON.parse(await readBody(req)) as CompletionBody;
        const index = completions.length;
        completions.push(body);
        const b = options.behaviour(index, body);
        if (b.kind === 'status') {
          sendJson(res, b.status, { object: 'error', message: b.message, type: b.status >= 500 ? 'InternalServerError' : 'BadRequestError', param: null, code: b.status });
          return;
        }
        if (options.serial) queue = queue.then(() => stream(res, body, b, `cmpl-${index}`));
        else void stream(res, body, b, `cmpl-${index}`);
        return;
      }
      sendJson(res, 404, { detail: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    completions,
    chunkWrites,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
