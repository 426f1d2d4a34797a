import { FAILURE_REASONS } from './request-table.ts';
import type { PerRequestResults } from './simulate.ts';

/** Per-request results as CSV (seconds; empty cells where not applicable), one row per request in id order. */
export function formatRequestResultsCsv(r: PerRequestResults): string {
  const cell = (x: number) => (Number.isNaN(x) ? '' : String(x));
  const rows = [
    'request_id,arrival_s,first_scheduled_s,first_token_s,finish_s,input_tokens,output_tokens,ttft_s,tpot_s,e2el_s,queueing_delay_s,preemptions,replica,failure',
  ];
  for (let i = 0; i < r.arrivalSeconds.length; i++) {
    const failure = r.failureReason[i] === 0 ? '' : FAILURE_REASONS[r.failureReason[i]];
    rows.push(
      [
        i,
        r.arrivalSeconds[i],
        cell(r.firstScheduledSeconds[i]),
        cell(r.firstTokenSeconds[i]),
        cell(r.finishSeconds[i]),
        r.inputTokens[i],
        r.outputTokens[i],
        cell(r.ttftSeconds[i]),
        cell(r.tpotSeconds[i]),
        cell(r.e2elSeconds[i]),
        cell(r.queueingDelaySeconds[i]),
        r.preemptions[i],
        r.replica[i],
        failure,
      ].join(','),
    );
  }
  return rows.join('\n') + '\n';
}
