import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAiServer, type OpenAiTestServer } from '../__fixtures__/runner-openai-server.ts';
import { RunnerError } from './runner-error.ts';
import { fetchServerInfo, findServedModel } from './server-info.ts';

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const stream = () => ({ kind: 'stream', ttftMs: 1, gapMs: 1 }) as const;

describe('fetchServerInfo', () => {
  it('reads the served model, its max_model_len and the engine version', async () => {
    server = await startOpenAiServer({ modelId: 'meta-llama/Llama-2-7b-hf', maxModelLen: 4096, version: '0.11.0', behaviour: stream });
    const info = await fetchServerInfo({ endpoint: `${server.url}/v1/`, timeoutMs: 2000 });
    expect(info).toEqual({
      url: server.url,
      models: [{ id: 'meta-llama/Llama-2-7b-hf', ownedBy: 'vllm', root: 'meta-llama/Llama-2-7b-hf', maxModelLen: 4096 }],
      version: '0.11.0',
    });
    expect(findServedModel(info, 'meta-llama/Llama-2-7b-hf')?.maxModelLen).toBe(4096);
  });

  it('leaves the version out when the server has no /version', async () => {
    server = await startOpenAiServer({ behaviour: stream });
    const info = await fetchServerInfo({ endpoint: server.url });
    expect(info.version).toBeUndefined();
    expect(info.models?.[0].id).toBe('test-model');
  });

  it('names the served ids when the model name is unknown', async () => {
    server = await startOpenAiServer({ modelId: 'qwen2.5-7b', behaviour: stream });
    const info = await fetchServerInfo({ endpoint: server.url });
    const error = (() => {
      try {
        findServedModel(info, 'llama');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RunnerError);
    expect((error as RunnerError).code).toBe('UNKNOWN_MODEL');
    expect((error as RunnerError).message).toContain("modelName 'llama' is not served");
    expect((error as RunnerError).message).toContain('known: qwen2.5-7b');
  });

  it('reports a refused connection as retryable', async () => {
    server = await startOpenAiServer({ behaviour: stream });
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(fetchServerInfo({ endpoint: url })).rejects.toMatchObject({ code: 'CONNECTION_ERROR', errno: 'ECONNREFUSED', retryable: true });
  });
});
