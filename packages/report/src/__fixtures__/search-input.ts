import type { SearchReportInputInput } from '../search-report-input.ts';

// The shape of a real search's output (Llama-3.1-8B on two H100s/H200s, figures from `llm-sim search`).
export const searchInput: SearchReportInputInput = {
  title: 'Deployment search: llama-3.1-8b',
  points: [
    { label: '2xTP1 h100-sxm bf16', tokensPerSecondPerUser: 53.6, tokensPerSecondPerDevice: 3892, onFront: false, group: 'aggregated h100-sxm bf16' },
    { label: '1xTP2 h100-sxm bf16', tokensPerSecondPerUser: 55.9, tokensPerSecondPerDevice: 3792, onFront: false, group: 'aggregated h100-sxm bf16' },
    { label: '2xTP1 h200 bf16', tokensPerSecondPerUser: 57.5, tokensPerSecondPerDevice: 4713, onFront: true, group: 'aggregated h200 bf16' },
    { label: '1xTP2 h200 bf16', tokensPerSecondPerUser: 58.0, tokensPerSecondPerDevice: 4394, onFront: true, group: 'aggregated h200 bf16' },
    { label: '1P1D TP1/TP1 h200 bf16', tokensPerSecondPerUser: 193.7, tokensPerSecondPerDevice: 3440, onFront: true, group: 'disaggregated h200 bf16' },
  ],
  table: { header: ['#', 'deployment', 'rate'], rows: [['1', '2xTP1 h200 bf16', '44.28']] },
  commands: [{ title: '2xTP1 h200 bf16', lines: ['vllm serve meta-llama/Llama-3.1-8B --tensor-parallel-size 1 <&>'] }],
  notes: ['31 layouts skipped: do not fit in memory'],
};
