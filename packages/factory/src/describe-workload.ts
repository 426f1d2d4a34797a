import { DATASETS } from './datasets.ts';
import type { SimulationConfig } from './config.ts';

/** How the traffic was sent and its lengths, said before the results: a TTFT means little without them. */
export function describeWorkload(config: SimulationConfig): string {
  const w = config.workload;
  const length = (l: SimulationConfig['workload']['input_len']) =>
    typeof l === 'number' ? `${l}` : l.kind === 'fixed' ? `${l.value}` : l.kind === 'uniform' ? `uniform ${l.min}-${l.max}` : `normal mean ${l.mean} std ${l.std}`;
  const rate = w.request_rate === 'inf' ? 'all sent at once (request rate inf)' : `${w.request_rate} req/s, ${w.burstiness === 1 ? 'Poisson arrivals' : `gamma arrivals, burstiness ${w.burstiness}`}`;
  if (w.trace && !w.trace_sample) return `workload: trace ${w.trace} replayed at its own arrival times`;
  if (w.dataset && DATASETS[w.dataset].kind === 'trace' && !w.trace_sample) return `workload: dataset ${w.dataset} replayed at its own arrival times`;
  if (w.multi_turn_turns !== undefined) {
    const conversations = w.num_conversations === undefined ? '' : `${w.num_conversations.toLocaleString('en-US')} `;
    const prefix = w.prefix_len === undefined ? '' : `, a ${w.prefix_len}-token shared prefix`;
    return `workload: ${conversations}conversations of ${length(w.multi_turn_turns)} turns (each prompt holds the history${prefix}; ${length(w.input_len)}-token questions, ${length(w.output_len)}-token answers), starts ${rate}, seed ${config.seed}`;
  }
  const source = w.trace ? `trace ${w.trace}` : w.dataset ? `dataset ${w.dataset}` : undefined;
  const lengths = source ? `lengths drawn from ${source}` : `${length(w.input_len)} input / ${length(w.output_len)} output tokens`;
  return `workload: ${w.num_requests.toLocaleString('en-US')} requests of ${lengths}, ${rate}, seed ${config.seed}`;
}
