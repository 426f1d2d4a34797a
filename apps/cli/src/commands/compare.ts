import { compareLayouts, formatComparison, renderCompareReportHtml, mergeConfig, parseLayout, parseSimulationConfig, type Layout } from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { createProgress } from '../progress.ts';
import { UsageError, sharedFlagsToConfig, withPerformanceModelFlags, withSchedulerFlags, withVllmTrafficFlags } from '../options.ts';

type CompareArgs = Record<string, unknown> & { json?: boolean; quiet?: boolean };

/** The flags that set config keys, as `simulate` reads them (parallelism and cluster come from the layouts). */
function flagsToConfig(a: CompareArgs): Record<string, unknown> {
  return sharedFlagsToConfig(a);
}

function parseLayouts(values: unknown): Layout[] | undefined {
  if (values === undefined) return undefined;
  const items = (Array.isArray(values) ? values : [values]).flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
  return items.map((item) => {
    try {
      return parseLayout(item);
    } catch (error) {
      throw new UsageError(`--layouts: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

export function compareCommand(ctx: CliContext): CommandModule<object, CompareArgs> {
  return {
    command: 'compare',
    describe: 'Run one workload on aggregated and disaggregated (xPyD) layouts of the same devices, side by side',
    builder: (y) =>
      withVllmTrafficFlags(withSchedulerFlags(withPerformanceModelFlags(y)))
        .option('model', { type: 'string', describe: 'catalog model name or alias (see `llm-sim models`), or a path to a config.json' })
        .option('xpu', { type: 'string', describe: 'catalog xpu name or alias (see `llm-sim xpus`), or a path to an xpu JSON file' })
        .option('num-devices', { type: 'number', describe: 'devices every layout uses, e.g. 8' })
        .option('layouts', { type: 'string', array: true, describe: 'layouts to run: RxTPn (aggregated, 2xtp4) or xPyD:TPa/TPb (2p1d:tp2/tp4); default: every layout of --num-devices that fits' })
        .option('router', { type: 'string', choices: ['round-robin', 'least-outstanding', 'least-kv-cache'], describe: 'router of every layout and pool (default round-robin)' })
        .option('kv-transfer-gbit-per-s', { type: 'number', alias: 'kv-transfer-bandwidth-gbps', describe: 'link between a prefill and a decode instance, in Gb/s (gigabits; default 400: one NDR port)' })
        .option('kv-transfer-latency-ms', { type: 'number', describe: 'fixed cost per KV transfer in ms (default 0.5)' })
        .option('kv-transfer-sharing', { type: 'string', choices: ['fair', 'fifo'], describe: 'concurrent transfers on a link share it (fair, default) or queue (fifo)' })
        .option('num-requests', { type: 'number', describe: 'requests to send (default 1000)' })
        .option('request-rate', { type: 'string', describe: 'requests per second, or inf (default inf)' })
        .option('burstiness', { type: 'number', describe: "gamma arrivals' shape as vLLM's --burstiness (default 1: Poisson)" })
        .option('input-len', { type: 'string', describe: 'prompt tokens: N, uniform:MIN:MAX or normal:MEAN:STD (default 1024)' })
        .option('output-len', { type: 'string', describe: 'output tokens: N, uniform:MIN:MAX or normal:MEAN:STD (default 128)' })
        .option('trace', { type: 'string', describe: 'replay a CSV trace (arrived_at, num_prefill_tokens, num_decode_tokens)' })
        .option('trace-sample', { type: 'boolean', describe: "draw --num-requests requests with the trace's lengths at --request-rate" })
        .option('seed', { type: 'number', describe: 'random seed (default 0)' })
        .option('goodput', { type: 'string', array: true, describe: 'SLOs in ms: ttft:MS tpot:MS e2el:MS; layouts are ranked by goodput per device' })
        .option('json', { type: 'boolean', describe: 'print one JSON object and nothing else on stdout' })
        .option('report', { type: 'string', describe: 'write a self-contained HTML report (every layout overlaid: latency percentiles, throughputs, one table) to FILE.html' })
        .option('quiet', { type: 'boolean', describe: 'no progress bar' })
        .example(
          '$0 compare --model llama-3.1-70b --xpu h100 --num-devices 8 --layouts 2xtp4 1p1d:tp4/tp4 2p1d:tp2/tp4 --gpu-memory-utilization 0.95 --request-rate 6 --num-requests 2000 --input-len 2048 --output-len 256 --goodput ttft:1000 tpot:50',
          'aggregated against 1P1D and 2P1D on 8 H100s, under a TTFT/TPOT SLO',
        ),
    handler: async (args) => {
      if (args.model === undefined || args.xpu === undefined || args['num-devices'] === undefined) {
        throw new UsageError('compare needs --model, --xpu and --num-devices');
      }
      const numDevices = Number(args['num-devices']);
      if (!Number.isInteger(numDevices) || numDevices < 1) throw new UsageError(`--num-devices must be a positive integer, got '${String(args['num-devices'])}'`);
      const config = parseSimulationConfig(mergeConfig(flagsToConfig(args)), 'flags');
      if (config.sweep) throw new UsageError('compare runs one traffic setting: give --request-rate and --max-concurrency one value each (simulate sweeps lists)');
      const progress = createProgress(ctx.io, { enabled: !args.json && !args.quiet, label: 'layouts' });
      let report;
      try {
        report = await compareLayouts(
          {
            config,
            numDevices,
            layouts: parseLayouts(args.layouts),
            cluster: {
              router: args.router as 'round-robin' | undefined,
              kv_transfer_gbit_per_s: args['kv-transfer-gbit-per-s'] as number | undefined,
              kv_transfer_latency_ms: args['kv-transfer-latency-ms'] as number | undefined,
              kv_transfer_sharing: args['kv-transfer-sharing'] as 'fair' | undefined,
            },
          },
          ctx.io.readTextFile,
          (done, total) => progress.update(done, total),
        );
      } finally {
        progress.stop();
      }
      const reportPath = args.report as string | undefined;
      if (reportPath) await ctx.io.writeTextFile(reportPath, await renderCompareReportHtml(report));
      const tellWritten = () => reportPath && (args.json ? ctx.io.stderr : ctx.io.stdout)(`wrote ${reportPath} (HTML report)\n`);
      if (args.json) {
        ctx.io.stdout(`${JSON.stringify({ ...report, rows: report.rows.map(({ summary: _summary, ...row }) => row) }, null, 2)}\n`);
        tellWritten();
        return;
      }
      ctx.io.stdout(formatComparison(report));
      tellWritten();
    },
  };
}
