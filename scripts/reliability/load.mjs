// The emulator under 500 concurrent streaming requests on loopback: all complete, /metrics counts equal
// what was sent, and a client that disconnects mid-stream frees its sequence. Timings are printed as
// figures, never asserted.
import { parsePrometheus, percentile, rssMb, startServe, stopServe } from './support.mjs';

const CONCURRENT = 500;
const PROMPT_TOKENS = 128;
const OUTPUT_TOKENS = 32;
const server = await startServe(['--model', 'llama-3.1-8b', '--xpu', 'h100']);
const metrics = async () => parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
const l = (m) => [...m.keys()].find((k) => k.startsWith('vllm:num_requests_running{')).slice('vllm:num_requests_running'.length);
const rssBeforeMb = rssMb(server.pid);

async function stream(prompt, maxTokens, signal, stopAfter = Infinity) {
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt, max_tokens: maxTokens, stream: true }),
    signal,
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let tokens = 0;
  let done = false;
  while (!done) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
    let end;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const event = text.slice(0, end);
      text = text.slice(end + 2);
      if (event === 'data: [DONE]') done = true;
      else if (event.startsWith('data: ')) tokens++;
    }
    if (tokens >= stopAfter) return { tokens, ms: performance.now() - started, reader };
  }
  return { tokens, ms: performance.now() - started, done, status: res.status };
}

const ids = Array.from({ length: PROMPT_TOKENS }, (_, i) => (i * 7919) % 32000);
const wallStart = performance.now();
const outcomes = await Promise.allSettled(Array.from({ length: CONCURRENT }, () => stream(ids, OUTPUT_TOKENS)));
const wallMs = performance.now() - wallStart;
const completed = outcomes.filter((o) => o.status === 'fulfilled' && o.value.done && o.value.tokens === OUTPUT_TOKENS).length;
const latencies = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value.ms).sort((a, b) => a - b);
const after = await metrics();
const labels = l(after);
const rssAfterMb = rssMb(server.pid);

// A client that leaves mid-stream: its sequence is aborted and its KV blocks freed.
const controller = new AbortController();
const leaving = await stream('x'.repeat(4000), 2000, controller.signal, 3);
controller.abort();
let running = 1;
for (let i = 0; i < 200 && running > 0; i++) {
  await new Promise((r) => setTimeout(r, 25));
  running = (await metrics()).get(`vllm:num_requests_running${labels}`);
}
const final = await metrics();
await stopServe(server);

export const load = {
  sent: CONCURRENT,
  completed,
  wallMs,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  rssBeforeMb,
  rssAfterMb,
  metricsSuccess: after.get(`vllm:request_success_total${labels.replace('}', ',finished_reason="length"}')}`),
  metricsPromptTokens: after.get(`vllm:prompt_tokens_total${labels}`),
  metricsGenerationTokens: after.get(`vllm:generation_tokens_total${labels}`),
  expectedPromptTokens: CONCURRENT * PROMPT_TOKENS,
  expectedGenerationTokens: CONCURRENT * OUTPUT_TOKENS,
  disconnectReadTokens: leaving.tokens,
  runningAfterDisconnect: running,
  kvUsageAfterDisconnect: final.get(`vllm:gpu_cache_usage_perc${labels}`),
  abortsCounted: final.get(`vllm:request_success_total${labels.replace('}', ',finished_reason="abort"}')}`),
};
