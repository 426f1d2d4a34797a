import { FAILURE_REASONS } from './request-table.ts';
import type { PerRequestResults, SimulationSeries } from './simulate.ts';

/** The per-request export's columns, in seconds, the same in CSV and JSONL. */
export const REQUEST_RESULT_COLUMNS = [
  'request_id',
  'arrival_s',
  'first_scheduled_s',
  'first_token_s',
  'finish_s',
  'input_tokens',
  'output_tokens',
  'ttft_s',
  'tpot_s',
  'e2el_s',
  'queueing_delay_s',
  'preemptions',
  'replica',
  'failure',
] as const;

/** Row i of the export: null where a value does not apply (never scheduled, a failure's TTFT, no failure). */
function requestRow(r: PerRequestResults, i: number): (number | string | null)[] {
  const value = (x: number) => (Number.isNaN(x) ? null : x);
  return [
    i,
    r.arrivalSeconds[i],
    value(r.firstScheduledSeconds[i]),
    value(r.firstTokenSeconds[i]),
    value(r.finishSeconds[i]),
    r.inputTokens[i],
    r.outputTokens[i],
    value(r.ttftSeconds[i]),
    value(r.tpotSeconds[i]),
    value(r.e2elSeconds[i]),
    value(r.queueingDelaySeconds[i]),
    r.preemptions[i],
    r.replica[i],
    r.failureReason[i] === 0 ? null : FAILURE_REASONS[r.failureReason[i]],
  ];
}

/** Per-request results as CSV (seconds; empty cells where not applicable), one row per request in id order. */
export function formatRequestResultsCsv(r: PerRequestResults): string {
  const rows = [REQUEST_RESULT_COLUMNS.join(',')];
  for (let i = 0; i < r.arrivalSeconds.length; i++) rows.push(requestRow(r, i).map((x) => (x === null ? '' : String(x))).join(','));
  return rows.join('\n') + '\n';
}

/** The same rows as `formatRequestResultsCsv`, one JSON object a line, null where the CSV cell is empty. */
export function formatRequestResultsJsonl(r: PerRequestResults): string {
  const lines: string[] = [];
  for (let i = 0; i < r.arrivalSeconds.length; i++) {
    const row = requestRow(r, i);
    lines.push(JSON.stringify(Object.fromEntries(REQUEST_RESULT_COLUMNS.map((c, k) => [c, row[k]]))));
  }
  return lines.join('\n') + '\n';
}

/**
 * Output tokens per second over each interval between consecutive sample times (the first interval
 * starts at 0). Each request's first token counts at its first-token time and the rest are spread
 * evenly up to its finish, which is the mean rate its TPOT reports; one sweep, O(n log n).
 */
export function outputThroughputSeries(r: PerRequestResults, timesSeconds: readonly number[]): number[] {
  // Tokens produced by time t is piecewise linear: a step of 1 at each first token, then slope changes.
  const events: { t: number; step: number; slope: number }[] = [];
  for (let i = 0; i < r.arrivalSeconds.length; i++) {
    const first = r.firstTokenSeconds[i];
    const finish = r.finishSeconds[i];
    if (!Number.isFinite(first) || !Number.isFinite(finish) || r.failureReason[i] !== 0) continue;
    const rest = r.outputTokens[i] - 1;
    if (rest > 0 && finish > first) {
      const rate = rest / (finish - first);
      events.push({ t: first, step: 1, slope: rate }, { t: finish, step: 0, slope: -rate });
    } else {
      events.push({ t: first, step: 1 + Math.max(0, rest), slope: 0 });
    }
  }
  events.sort((a, b) => a.t - b.t);
  const out: number[] = [];
  let produced = 0;
  let slope = 0;
  let clock = 0;
  let e = 0;
  let previousProduced = 0;
  let previousTime = 0;
  for (const t of timesSeconds) {
    while (e < events.length && events[e].t <= t) {
      produced += slope * (events[e].t - clock) + events[e].step;
      clock = events[e].t;
      slope += events[e].slope;
      e++;
    }
    const producedAtT = produced + slope * (t - clock);
    out.push(t > previousTime ? (producedAtT - previousProduced) / (t - previousTime) : 0);
    previousProduced = producedAtT;
    previousTime = t;
  }
  return out;
}

const snakeCase = (name: string) => (name === 'timeSeconds' ? 'time_s' : name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

/** The sampled series with an output-throughput column, as CSV with snake_case headers (`time_s`, `batch_size`, ...). */
export function formatSeriesCsv(series: SimulationSeries, r: PerRequestResults): string {
  const names = Object.keys(series);
  const throughput = outputThroughputSeries(r, series.timeSeconds);
  const lines = [[...names.map(snakeCase), 'output_throughput_tok_s'].join(',')];
  for (let i = 0; i < series.timeSeconds.length; i++) lines.push([...names.map((k) => series[k][i]), throughput[i]].join(','));
  return `${lines.join('\n')}\n`;
}
