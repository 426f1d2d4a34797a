import { RunnerError } from './runner-error.ts';

/**
 * The server's root URL from what a user types: `http://host:8000`, `http://host:8000/`, or the OpenAI base URL
 * `http://host:8000/v1` all name the same server. Only http(s) URLs are accepted.
 */
export function serverRootUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new RunnerError('INVALID_RUNNER_OPTIONS', `endpoint '${endpoint}' is not a URL; expected e.g. http://127.0.0.1:8000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RunnerError('INVALID_RUNNER_OPTIONS', `endpoint '${endpoint}' must be an http:// or https:// URL, e.g. http://127.0.0.1:8000`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}
