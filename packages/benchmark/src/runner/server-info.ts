import { z } from 'zod';
import type { FetchFunction } from './completion-stream.ts';
import { RunnerError } from './runner-error.ts';
import { serverRootUrl } from './server-url.ts';

/** `GET /v1/models`: OpenAI's model list; vLLM adds `max_model_len` and `root` (the weights' path or id). */
export const ModelListSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string(),
      owned_by: z.string().nullish(),
      root: z.string().nullish(),
      max_model_len: z.number().int().positive().nullish(),
    }),
  ),
});

/** `GET /version` (vLLM, SGLang): `{ "version": "0.11.0" }`. */
export const VersionSchema = z.looseObject({ version: z.string().min(1) });

/** One model a server lists at `/v1/models`. */
export interface ServedModel {
  readonly id: string;
  readonly ownedBy?: string;
  readonly root?: string;
  /** Longest prompt + output the server accepts (vLLM's `--max-model-len`). */
  readonly maxModelLen?: number;
}

/** What the server says about itself; what it does not serve is simply absent. */
export interface ServerInfo {
  /** Server root URL the runner talks to. */
  readonly url: string;
  /** Undefined when the server has no `/v1/models`. */
  readonly models?: readonly ServedModel[];
  /** Engine version from `/version`, when the server has it. */
  readonly version?: string;
}

/** Which server `fetchServerInfo` asks, with what HTTP client, time limit and abort signal. */
export interface ServerInfoOptions {
  readonly endpoint: string;
  /** The HTTP client; default `globalThis.fetch`. */
  readonly fetch?: FetchFunction;
  /** Per request. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** GETs a JSON document; undefined for 404/405 (the server does not have it); throws for anything else. */
async function getJson(url: string, options: ServerInfoOptions): Promise<unknown> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const controller = new AbortController();
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(), options.timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetchFn(url, { headers: { accept: 'application/json' }, signal: controller.signal });
    if (response.status === 404 || response.status === 405) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const text = await response.text();
    if (!response.ok) {
      throw new RunnerError('HTTP_ERROR', `GET ${url} returned HTTP ${response.status}: ${text.slice(0, 200)}`, {
        status: response.status,
        retryable: response.status >= 500 || response.status === 429,
      });
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RunnerError('PROTOCOL_ERROR', `GET ${url} did not return JSON: ${text.slice(0, 120)}`);
    }
  } catch (error) {
    if (error instanceof RunnerError) throw error;
    if (options.signal?.aborted) throw new RunnerError('ABORTED', `the run was stopped during GET ${url}`);
    if (controller.signal.aborted) throw new RunnerError('TIMEOUT', `GET ${url} took longer than ${options.timeoutMs} ms`);
    const errno = (error as { cause?: { code?: unknown } }).cause?.code;
    throw new RunnerError('CONNECTION_ERROR', `GET ${url} failed: ${(error as Error).message}${typeof errno === 'string' ? ` (${errno})` : ''}`, {
      errno: typeof errno === 'string' ? errno : undefined,
      retryable: true,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Reads `/v1/models` and `/version` (each optional on the server's side) for the run's provenance. */
export async function fetchServerInfo(options: ServerInfoOptions): Promise<ServerInfo> {
  const url = serverRootUrl(options.endpoint);
  const modelsJson = await getJson(`${url}/v1/models`, options);
  let models: ServedModel[] | undefined;
  if (modelsJson !== undefined) {
    const parsed = ModelListSchema.safeParse(modelsJson);
    if (!parsed.success) {
      throw new RunnerError('PROTOCOL_ERROR', `GET ${url}/v1/models is not an OpenAI model list: ${parsed.error.issues[0]?.message ?? ''}`);
    }
    models = parsed.data.data.map((m) => {
      const model: { -readonly [K in keyof ServedModel]: ServedModel[K] } = { id: m.id };
      if (m.owned_by) model.ownedBy = m.owned_by;
      if (m.root) model.root = m.root;
      if (m.max_model_len) model.maxModelLen = m.max_model_len;
      return model;
    });
  }
  const versionJson = await getJson(`${url}/version`, options);
  const version = VersionSchema.safeParse(versionJson);
  const info: ServerInfo = { url, ...(models ? { models } : {}), ...(version.success ? { version: version.data.version } : {}) };
  return info;
}

/** The served model `modelName` names, or a RunnerError listing the ids the server does serve. */
export function findServedModel(info: ServerInfo, modelName: string): ServedModel | undefined {
  if (info.models === undefined) return undefined;
  const found = info.models.find((m) => m.id === modelName);
  if (found) return found;
  const known = info.models.map((m) => m.id).join(', ') || '(none)';
  throw new RunnerError('UNKNOWN_MODEL', `modelName '${modelName}' is not served at ${info.url}; known: ${known}`);
}
