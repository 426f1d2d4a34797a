import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatSearch,
  mergeConfig,
  mergeSearchShards,
  parseSimulationConfig,
  renderSearchReportHtml,
  searchDeployments,
  type SearchReport,
} from '@llm-sim/factory';
import type { Argv, CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { writeOutputs, type Output } from '../outputs.ts';
import { createProgress } from '../progress.ts';
import { UsageError, sharedFlagsToConfig, withVllmTrafficFlags } from '../options.ts';
import { createSearchPool } from '../search-pool.ts';

type SearchArgs = Record<string, unknown> & { json?: boolean; quiet?: boolean };

/** `a,b c` (repeated or comma-separated) as a list of strings. */
function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

function intList(flag: string, value: unknown): number[] | undefined {
  return list(value)?.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes positive integers, got '${s}'`);
    return n;
  });
}

/** `h100=2.5,h200=3.2`: price of one device-hour by xpu. */
function parsePrices(value: unknown): Record<string, number> | undefined {
  const items = list(value);
  if (!items) return undefined;
  const out: Record<string, number> = {};
  for (const item of items) {
    const [xpu, raw] = item.split('=');
    const price = Number(raw);
    if (!xpu || !(price > 0)) throw new UsageError(`--price takes XPU=PRICE per device-hour (e.g. h100=2.5), got '${item}'`);
    out[xpu] = price;
  }
  return out;
}

/** `K/N` with 1 <= K <= N. */
function parseShard(value: unknown): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(value).trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || count < 1 || index > count) throw new UsageError(`--shard must be K/N with 1 <= K <= N (e.g. 2/8), got '${String(value)}'`);
  return { index, count };
}

/** Device totals: --num-devices N (or a list), or every power of two from --num-devices (default 1) up to --max-devices. */
function deviceCounts(args: SearchArgs): number[] {
  const given = intList('--num-devices', args['num-devices']);
  const max = args['max-devices'] as number | undefined;
  if (max === undefined) {
    if (!given) throw new UsageError('search needs --num-devices N (or --max-devices M)');
    return given;
  }
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max-devices must be a positive integer, got '${String(max)}'`);
  const from = Math.min(...(given ?? [1]));
  const counts: number[] = [];
  for (let n = 1; n <= max; n *= 2) if (n >= from) counts.push(n);
  if (counts.length === 0) throw new UsageError(`--max-devices ${max} is below --num-devices ${from}`);
  return counts;
}

function outputOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'boolean', describe: 'print one JSON object (points, pareto) and nothing else on stdout' })
    .option('report', { type: 'string', describe: 'write a self-contained HTML report with the Pareto chart to FILE.html' })
    .option('top', { type: 'number', describe: 'rows of the table (default 20)' });
}

async function printReport(ctx: CliContext, args: SearchArgs, report: SearchReport): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (args.json) ctx.io.stdout(json);
  else ctx.io.stdout(formatSearch(report, { top: args.top as number | undefined }));
  const outputs: Output[] = [];
  const reportPath = args.report as string | undefined;
  if (reportPath) outputs.push({ flag: '--report', path: reportPath, text: () => renderSearchReportHtml(report), said: '' });
  const output = args.output as string | undefined;
  if (output) outputs.push({ flag: '-o', path: output, text: () => json, said: '' });
  await writeOutputs(ctx, outputs, () => {});
}

function mergeCommand(ctx: CliContext): CommandModule<object, SearchArgs> {
  return {
    command: 'merge <dir>',
    describe: 'Merge the shard files (--shard K/N outputs) in DIR into the report of the whole search',
    builder: (y) => outputOptions(y.positional('dir', { type: 'string', describe: 'folder of shard JSON files' })),
    handler: async (args) => {
      const dir = String(args.dir);
      let names: string[];
      try {
        names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
      } catch (error) {
        throw new UsageError(`cannot read shard folder '${dir}': ${error instanceof Error ? error.message : String(error)}`);
      }
      if (names.length === 0) throw new UsageError(`no shard files (*.json) in '${dir}'`);
      const shards: SearchReport[] = [];
      for (const name of names) {
        const path = join(dir, name);
        try {
          shards.push(JSON.parse(await ctx.io.readTextFile(path)) as SearchReport);
        } catch (error) {
          throw new UsageError(`shard file '${path}' is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      await printReport(ctx, args, mergeSearchShards(shards));
    },
  };
}

export function searchCommand(ctx: CliContext): CommandModule<object, SearchArgs> {
  return {
    command: 'search',
    describe: 'Find the deployments that serve a workload within SLOs at the highest rate per device (or lowest cost)',
    builder: (y) =>
      withVllmTrafficFlags(outputOptions(y))
        .command(mergeCommand(ctx))
        .option('model', { type: 'string', describe: 'catalog model name or alias, or a path to a config.json' })
        .option('xpu', { type: 'string', array: true, describe: 'xpus to consider, e.g. h100,h200,b200' })
        .option('num-devices', { type: 'string', array: true, describe: 'devices a deployment uses, e.g. 8 (or 4,8)' })
        .option('max-devices', { type: 'number', describe: 'every power of two from --num-devices (default 1) up to this many devices' })
        .option('quantization', { type: 'string', array: true, describe: 'weights dtypes to try: bf16,fp8,int8,int4,fp4 (default bf16)' })
        .option('pp', { type: 'string', array: true, describe: 'pipeline-parallel degrees of aggregated replicas (default 1)' })
        .option('max-num-seqs', { type: 'string', array: true, describe: 'scheduler grid: max_num_seqs values (default 64,256)' })
        .option('max-num-batched-tokens', { type: 'string', array: true, describe: 'scheduler grid: max_num_batched_tokens values (default 2048,8192)' })
        .option('aggregated', { type: 'boolean', describe: 'try aggregated replicas (default on; --no-aggregated)' })
        .option('disaggregated', { type: 'boolean', describe: 'try xPyD prefill/decode splits (default on; --no-disaggregated)' })
        .option('price', { type: 'string', array: true, describe: 'price of one device-hour by xpu, e.g. h100=2.5,h200=3.2: ranks by cost per million output tokens' })
        .option('goodput', { type: 'string', array: true, describe: 'SLOs in ms: ttft:MS tpot:MS e2el:MS (required)' })
        .option('slo-percentile', { type: 'number', describe: 'percent of requests that must meet every SLO at the rate found (default 90)' })
        .option('performance-model', { type: 'string', choices: ['roofline', 'vllm_roofline'], describe: 'vllm_roofline (default: the shipped calibration, or --calibration-data) or roofline (spec-sheet peaks)' })
        .option('calibration-data', { type: 'string', describe: 'calibration JSON for --performance-model vllm_roofline' })
        .option('kv-cache-dtype', {
          type: 'string',
          describe: "vLLM's --kv-cache-dtype: auto (the model's, default), fp8, fp8_e4m3, fp8_e5m2 (1 byte), or bf16/fp16; vLLM has no int8 KV cache",
        })
        .option('num-requests', { type: 'number', describe: 'requests per simulation (default 1000)' })
        .option('burstiness', { type: 'number', describe: "gamma arrivals' shape as vLLM's --burstiness (default 1: Poisson)" })
        .option('input-len', { type: 'string', describe: 'prompt tokens: N, uniform:MIN:MAX or normal:MEAN:STD (default 1024)' })
        .option('output-len', { type: 'string', describe: 'output tokens: N, uniform:MIN:MAX or normal:MEAN:STD (default 128)' })
        .option('trace', { type: 'string', describe: "a CSV trace whose lengths are drawn at each rate tried (its arrival times are not used)" })
        .option('seed', { type: 'number', describe: 'random seed (default 0)' })
        .option('block-size', { type: 'number', describe: 'KV-cache block size in tokens (default 16)' })
        .option('gpu-memory-utilization', { type: 'number', describe: 'share of device memory vLLM may use (default 0.9)' })
        .option('max-model-len', { type: 'number', describe: "longest prompt + output (default: the model's)" })
        .option('chunked-prefill', { type: 'boolean', describe: 'split long prompts over steps (default on)' })
        .option('kv-transfer-gbit-per-s', { type: 'number', alias: 'kv-transfer-bandwidth-gbps', describe: 'disaggregated: link between a prefill and a decode instance, in Gb/s (gigabits; default 400)' })
        .option('kv-transfer-latency-ms', { type: 'number', describe: 'disaggregated: fixed cost per KV transfer in ms (default 0.5)' })
        .option('jobs', { type: 'number', describe: 'worker threads (default: one per core; 1 runs in-process)' })
        .option('shard', { type: 'string', describe: 'evaluate shard K of N (K/N) of the candidates; its --json (or -o) is a shard file for `search merge`' })
        .option('output', { alias: 'o', type: 'string', describe: 'also write the JSON report (a shard file with --shard) to FILE' })
        .option('quiet', { type: 'boolean', describe: 'no progress bar' })
        .example(
          '$0 search --model llama-3.1-70b --xpu h100,h200 --num-devices 8 --quantization bf16,fp8 --goodput ttft:1000 tpot:50 --price h100=2.5,h200=3.2 --input-len 2048 --output-len 256 --num-requests 2000',
          'the cheapest way to serve a 70B model on 8 GPUs under SLOs',
        )
        .example('$0 search ... --shard 3/8 -o shards/3.json  &&  $0 search merge shards', 'split a search over machines, then merge'),
    handler: async (args) => {
      if (args.model === undefined || args.xpu === undefined) throw new UsageError('search needs --model, --xpu and --num-devices (or --max-devices)');
      if (args.goodput === undefined) throw new UsageError('search needs SLOs: --goodput ttft:MS tpot:MS');
      const sloPercentile = args['slo-percentile'] as number | undefined;
      if (sloPercentile !== undefined && !(sloPercentile > 0 && sloPercentile <= 100)) throw new UsageError(`--slo-percentile must be in (0, 100], got ${sloPercentile}`);
      const jobs = (args.jobs as number | undefined) ?? ctx.io.threads;
      if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, got '${String(args.jobs)}'`);
      const xpus = list(args.xpu)!;
      const flags = sharedFlagsToConfig({ ...args, xpu: xpus[0], 'max-num-seqs': undefined, 'max-num-batched-tokens': undefined, 'weight-dtype': undefined, quantization: undefined });
      if (flags.sweep !== undefined) throw new UsageError('search bisects the request rate itself: give at most one --max-concurrency value');
      const config = parseSimulationConfig(
        mergeConfig(flags, { workload: { trace_sample: args.trace === undefined && args.dataset === undefined ? undefined : true, request_rate: undefined } }),
        'flags',
      );
      const progress = createProgress(ctx.io, { enabled: !args.json && !args.quiet, label: 'deployments' });
      const pool = jobs > 1 ? createSearchPool(jobs) : undefined;
      let report: SearchReport;
      try {
        report = await searchDeployments(
          {
            config,
            space: {
              xpus,
              num_devices: deviceCounts(args),
              quantizations: list(args.quantization) as never,
              pp: intList('--pp', args.pp),
              max_num_seqs: intList('--max-num-seqs', args['max-num-seqs']),
              max_num_batched_tokens: intList('--max-num-batched-tokens', args['max-num-batched-tokens']),
              aggregated: args.aggregated as boolean | undefined,
              disaggregated: args.disaggregated as boolean | undefined,
            },
            sloPercentile,
            pricePerDeviceHour: parsePrices(args.price),
            cluster: {
              kv_transfer_gbit_per_s: args['kv-transfer-gbit-per-s'] as number | undefined,
              kv_transfer_latency_ms: args['kv-transfer-latency-ms'] as number | undefined,
            },
            shard: parseShard(args.shard),
          },
          { readTextFile: ctx.io.readTextFile, evaluate: pool?.evaluate, onProgress: ({ done, total }) => progress.update(done, total) },
        );
      } finally {
        progress.stop();
        await pool?.close();
      }
      await printReport(ctx, args, report);
    },
  };
}
