import { describe, expect, it } from 'vitest';
import { RunnerError } from './runner-error.ts';
import { serverRootUrl } from './server-url.ts';

describe('serverRootUrl', () => {
  it('names one server however its URL is typed', () => {
    for (const endpoint of ['http://127.0.0.1:8000', 'http://127.0.0.1:8000/', 'http://127.0.0.1:8000/v1', 'http://127.0.0.1:8000/v1/']) {
      expect(serverRootUrl(endpoint)).toBe('http://127.0.0.1:8000');
    }
  });

  it('refuses what is not an http(s) URL with a runner error naming the endpoint (bad input, not a crash)', () => {
    for (const [endpoint, reason] of [
      ['notaurl', "endpoint 'notaurl' is not a URL"],
      ['ftp://127.0.0.1:8000', "endpoint 'ftp://127.0.0.1:8000' must be an http:// or https:// URL"],
    ]) {
      const error = (() => {
        try {
          serverRootUrl(endpoint);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(RunnerError);
      expect((error as RunnerError).code).toBe('INVALID_RUNNER_OPTIONS');
      expect((error as RunnerError).message).toContain(reason);
    }
  });
});
