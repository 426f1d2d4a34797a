import { FAILURE_REASONS, formatRequestResultsCsv, RequestStatus, type SimulationResult } from '@llm-sim/factory';

const STATUS_NAMES = ['pending', 'waiting', 'running', 'finished', 'failed'];
const COLUMNS = ['request_id', 'status', 'replica', 'arrival_s', 'first_scheduled_s', 'first_token_s', 'finish_s', 'input_tokens', 'output_tokens', 'queueing_delay_ms', 'ttft_ms', 'tpot_ms', 'e2el_ms', 'preemptions', 'failure_reason'] as const;

function rows(result: SimulationResult): (string | number | null)[][] {
  const r = result.requests;
  const out: (string | number | null)[][] = [];
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  for (let i = 0; i < r.status.length; i++) {
    const done = r.status[i] === RequestStatus.finished;
    const ttft = done ? (r.firstTokenSeconds[i] - r.arrivalSeconds[i]) * 1000 : null;
    const e2el = done ? (r.finishSeconds[i] - r.arrivalSeconds[i]) * 1000 : null;
    const tpot = done && r.outputTokens[i] > 1 ? (e2el! - ttft!) / (r.outputTokens[i] - 1) : null;
    out.push([
      i,
      STATUS_NAMES[r.status[i]],
      r.replica[i] >= 0 ? r.replica[i] : null,
      r.arrivalSeconds[i],
      finite(r.firstScheduledSeconds[i]),
      finite(r.firstTokenSeconds[i]),
      finite(r.finishSeconds[i]),
      r.inputTokens[i],
      r.outputTokens[i],
      finite((r.firstScheduledSeconds[i] - r.arrivalSeconds[i]) * 1000),
      ttft,
      tpot,
      e2el,
      r.preemptions[i],
      r.failureReason[i] > 0 ? FAILURE_REASONS[r.failureReason[i]] : null,
    ]);
  }
  return out;
}

/** One row per request, for pandas or a spreadsheet. */
export function formatRequestsCsv(result: SimulationResult): string {
  return formatRequestResultsCsv(result.requests);
}

export function formatRequestsJsonl(result: SimulationResult): string {
  return rows(result)
    .map((row) => JSON.stringify(Object.fromEntries(COLUMNS.map((c, k) => [c, row[k]]))))
    .join('\n')
    .concat('\n');
}

export function formatTimeSeriesCsv(result: SimulationResult): string {
  const series = result.series as Record<string, number[]>;
  const names = Object.keys(series);
  const n = series.timeSeconds.length;
  const lines = [names.map((k) => (k === 'timeSeconds' ? 'time_s' : k)).join(',')];
  for (let i = 0; i < n; i++) lines.push(names.map((k) => String(series[k][i])).join(','));
  return `${lines.join('\n')}\n`;
}
