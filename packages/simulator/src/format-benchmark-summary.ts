import type { BenchmarkSummary } from './summarize-simulation.ts';

function center(text: string, width: number, fill: string): string {
  const pad = Math.max(0, width - text.length);
  // Python's str.format centring puts the odd pad character on the right.
  const left = Math.floor(pad / 2);
  return fill.repeat(left) + text + fill.repeat(pad - left);
}

function row(label: string, value: number, decimals?: number): string {
  const text = decimals === undefined ? String(value) : value.toFixed(decimals);
  return `${label.padEnd(40)} ${text.padEnd(10)}`.trimEnd();
}

const SECTIONS = [
  ['ttft', 'TTFT', 'Time to First Token'],
  ['tpot', 'TPOT', 'Time per Output Token (excl. 1st token)'],
  ['itl', 'ITL', 'Inter-token Latency'],
  ['e2el', 'E2EL', 'End-to-end Latency'],
] as const;

/** The summary as `vllm bench serve` prints it, followed by the simulator-only figures. */
export function formatBenchmarkSummary(summary: BenchmarkSummary): string {
  const s = summary as BenchmarkSummary & Record<string, number>;
  const lines = [
    center(' Serving Benchmark Result ', 50, '='),
    row('Successful requests:', s.completed),
    row('Failed requests:', s.failed),
    row('Benchmark duration (s):', s.duration, 2),
    row('Total input tokens:', s.total_input_tokens),
    row('Total generated tokens:', s.total_output_tokens),
    row('Request throughput (req/s):', s.request_throughput, 2),
  ];
  if (s.request_goodput !== null) lines.push(row('Request goodput (req/s):', s.request_goodput, 2));
  lines.push(
    row('Output token throughput (tok/s):', s.output_throughput, 2),
    row('Total Token throughput (tok/s):', s.total_token_throughput, 2),
  );
  for (const [key, short, title] of SECTIONS) {
    lines.push(
      center(title, 50, '-'),
      row(`Mean ${short} (ms):`, s[`mean_${key}_ms`], 2),
      row(`Median ${short} (ms):`, s[`median_${key}_ms`], 2),
      row(`P90 ${short} (ms):`, s[`p90_${key}_ms`], 2),
      row(`P95 ${short} (ms):`, s[`p95_${key}_ms`], 2),
      row(`P99 ${short} (ms):`, s[`p99_${key}_ms`], 2),
    );
  }
  lines.push(
    center('Simulator', 50, '-'),
    row('Preemptions:', s.preemptions),
    row('Peak KV cache utilization (%):', s.kv_cache_peak_utilization * 100, 2),
    row('Mean queueing delay (ms):', s.mean_queueing_delay_ms, 2),
    row('Mean batch size (seqs/step):', s.mean_batch_size, 2),
    row('Mean concurrent requests:', s.mean_concurrent_requests, 2),
    row('Engine steps:', s.num_steps),
  );
  if (s.prefix_cache_hit_rate > 0) {
    lines.push(row('Prefix cache hit rate (%):', s.prefix_cache_hit_rate * 100, 2), row('Prefill time saved (s):', s.prefill_time_saved_s, 2));
  }
  for (const [reason, count] of Object.entries(summary.failure_reasons)) lines.push(row(`Failed (${reason}):`, count));
  const ops = Object.entries(summary.time_by_operator).sort((a, b) => b[1] - a[1]);
  const busy = ops.reduce((acc, [, v]) => acc + v, 0);
  for (const [op, seconds] of ops) {
    lines.push(row(`Time in ${op} (s, %):`, seconds, 2) + ` (${busy > 0 ? ((100 * seconds) / busy).toFixed(1) : '0.0'}%)`);
  }
  lines.push('='.repeat(50));
  return lines.join('\n') + '\n';
}
