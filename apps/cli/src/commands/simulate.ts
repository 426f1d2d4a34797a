import path from 'node:path';
import {
  describeWorkload,
  findMaxRate,
  defaultVllmResultFilename,
  describeRun,
  errorBandFor,
  modelClassOf,
  resolveModel,
  expandSweep,
  formatBenchmarkSummary,
  formatRequestResultsCsv,
  formatRequestResultsJsonl,
  formatSeriesCsv,
  formatSweepTable,
  formatTrafficHeader,
  renderSweepReport,
  vllmResultOf,
  type SimulationConfig,
  mergeConfig,
  parseSimulationConfig,
  renderSimulationRunReport,
  runDisaggregatedSimulation,
  runSimulation,
  type DisaggregatedRun,
  type SimulationRun,
} from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { createProgress } from '../progress.ts';
import { runSweepTasks } from '../parallel-sweep.ts';
import { writeOutputs, type Output } from '../outputs.ts';
import { UsageError, resultFileOptionsFromFlags, sharedFlagsToConfig, withExpertParallelFlags, withModelAndXpu, withSchedulerFlags, withVllmResultFlags, withVllmTrafficFlags } from '../options.ts';

type SimulateArgs = Record<string, unknown> & { json?: boolean; quiet?: boolean; config?: string };

/** The flags that set config keys; undefined flags leave the config file's value. */
function flagsToConfig(a: SimulateArgs): Record<string, unknown> {
  return {
    ...sharedFlagsToConfig(a),
    parallelism: { tp: a.tp, pp: a.pp, ep: a.ep, dp: a.dp, enable_expert_parallel: a['enable-expert-parallel'] },
    cluster: {
      type: a.cluster,
      num_replicas: a['num-replicas'],
      router: a.router,
      prefill_instances: a['prefill-instances'],
      decode_instances: a['decode-instances'],
      prefill_tp: a['prefill-tp'],
      decode_tp: a['decode-tp'],
      prefill_xpu: a['prefill-xpu'],
      decode_xpu: a['decode-xpu'],
      kv_transfer_gbit_per_s: a['kv-transfer-gbit-per-s'],
      kv_transfer_latency_ms: a['kv-transfer-latency-ms'],
      kv_transfer_sharing: a['kv-transfer-sharing'],
    },
  };
}

export function simulateCommand(ctx: CliContext): CommandModule<object, SimulateArgs> {
  return {
    command: ['simulate', '$0'],
    describe: 'Simulate serving a workload and report what `vllm bench serve` would (the default command)',
    builder: (y) =>
      withVllmResultFlags(withVllmTrafficFlags(withSchedulerFlags(withExpertParallelFlags(withModelAndXpu(y)))))
        .option('config', { type: 'string', describe: 'JSON config with the same settings (flags override it)' })
        .option('cluster', { type: 'string', choices: ['aggregated', 'disaggregated'], describe: 'prefill and decode on the same instances, or split into two pools (default aggregated)' })
        .option('prefill-instances', { type: 'number', describe: 'disaggregated: instances in the prefill pool (default 1)' })
        .option('decode-instances', { type: 'number', describe: 'disaggregated: instances in the decode pool (default 1)' })
        .option('prefill-tp', { type: 'number', describe: 'disaggregated: tensor parallelism of a prefill instance (default --tp)' })
        .option('decode-tp', { type: 'number', describe: 'disaggregated: tensor parallelism of a decode instance (default --tp)' })
        .option('prefill-xpu', { type: 'string', describe: 'disaggregated: xpu of the prefill pool (default --xpu)' })
        .option('decode-xpu', { type: 'string', describe: 'disaggregated: xpu of the decode pool (default --xpu)' })
        .option('kv-transfer-gbit-per-s', { type: 'number', alias: 'kv-transfer-bandwidth-gbps', describe: 'disaggregated: link bandwidth between the pools in Gb/s (gigabits; default 400)' })
        .option('kv-transfer-latency-ms', { type: 'number', describe: 'disaggregated: fixed cost of one KV transfer in ms (default 0.5)' })
        .option('kv-transfer-sharing', { type: 'string', choices: ['fair', 'fifo'], describe: 'disaggregated: concurrent transfers share a link (fair) or queue (fifo)' })
        .option('num-replicas', { type: 'number', describe: 'model instances behind the router (default 1)' })
        .option('router', { type: 'string', choices: ['round-robin', 'least-outstanding', 'least-kv-cache'], describe: 'how requests are spread over replicas (default round-robin)' })
        .option('num-requests', { type: 'number', describe: 'requests to send (default 1000)' })
        .option('request-rate', { type: 'string', describe: 'requests per second, or inf to send all at once (default inf); a list 1,2,4 runs one simulation each' })
        .option('burstiness', { type: 'number', describe: "gamma arrivals' shape as vLLM's --burstiness: 1 is Poisson, lower is burstier (default 1)" })
        .option('input-len', { type: 'string', describe: 'prompt tokens: N, uniform:MIN:MAX or normal:MEAN:STD (default 1024)' })
        .option('output-len', { type: 'string', describe: 'output tokens: N, uniform:MIN:MAX or normal:MEAN:STD (default 128)' })
        .option('trace', { type: 'string', describe: 'replay a trace: Vidur CSV (arrived_at, num_prefill_tokens, num_decode_tokens), the raw Azure CSV, or Mooncake JSONL (with hash_ids for prefix caching); --num-requests N replays its first N' })
        .option('trace-sample', { type: 'boolean', describe: "draw --num-requests requests with the trace's lengths at --request-rate instead of replaying it" })
        .option('seed', { type: 'number', describe: 'random seed: the same seed gives the same result (default 0)' })
        .option('goodput', { type: 'string', array: true, describe: 'SLOs in ms for goodput: ttft:MS tpot:MS e2el:MS' })
        .option('find-max-rate', { type: 'boolean', describe: 'bisect the highest --request-rate that meets the --goodput SLOs, and print it with the run at that rate' })
        .option('slo-percentile', { type: 'number', describe: 'with --find-max-rate: percent of requests that must meet every SLO (default 90)' })
        .option('output-requests', { type: 'string', describe: 'write one row per request to FILE.csv or FILE.jsonl' })
        .option('report', { type: 'string', describe: 'write a self-contained HTML report with charts to FILE.html' })
        .option('output-timeseries', { type: 'string', describe: 'write the sampled series (queue, batch, KV cache, throughput) to FILE.csv' })
        .option('quiet', { type: 'boolean', describe: 'no progress bar' })
        .example('$0 --model llama-7b --xpu gb10', 'the seeds\' example: 1000 requests of 1024 in / 128 out, all at once')
        .example('$0 simulate --model llama-3.1-70b --xpu h100 --tp 4 --request-rate 5 --num-requests 2000 --goodput ttft:500 tpot:50', 'a Poisson workload with SLOs')
        .example('$0 simulate --model llama-2-7b --xpu a100 --trace benchmark_data/traces/azure2023_conv_trace_vidur.csv', 'replay the Azure 2023 conversation trace'),
    handler: async (args) => {
      const fileConfig = args.config ? await readConfigFile(ctx, args.config) : {};
      const merged = mergeConfig(fileConfig, flagsToConfig(args));
      if (merged.model === undefined || merged.xpu === undefined) {
        throw new UsageError('simulate needs --model and --xpu (or a --config file with "model" and "xpu"); see `llm-sim models` and `llm-sim xpus`');
      }
      const config = parseSimulationConfig(merged, args.config ? `config '${args.config}' with flags` : 'flags');
      const resultOptions = resultFileOptionsFromFlags(args);
      if (args['find-max-rate']) {
        await printMaxRate(ctx, args, config);
        return;
      }
      if (config.sweep) {
        await runSweep(ctx, args, config, resultOptions);
        return;
      }
      const progress = createProgress(ctx.io, { enabled: !args.json && !args.quiet, label: 'requests' });
      // vLLM's detailed file has every request's inter-token latencies: only then are token times kept.
      const recordTokenTimes = resultOptions?.save_detailed === true;
      let run: SimulationRun | DisaggregatedRun;
      try {
        run =
          config.cluster.type === 'disaggregated'
            ? await runDisaggregatedSimulation(config, config.cluster, ctx.io.readTextFile, { onProgress: progress.update, recordTokenTimes })
            : await runSimulation(config, ctx.io.readTextFile, progress.update, { recordTokenTimes });
      } finally {
        progress.stop();
      }
      const outputs = exportsOf(args, run);
      if (resultOptions) {
        const now = ctx.io.now();
        const path = resultPath(args, defaultVllmResultFilename(config, run.model.name, now, resultOptions.label as string | undefined));
        outputs.push({ flag: '--save-result', path, text: () => `${JSON.stringify(vllmResultOf(run, now, resultOptions))}\n`, said: `wrote ${path} (vllm bench serve result)\n` });
      }
      // Written after the results are printed, said after them; on stderr under --json, so that stdout stays one JSON object.
      const tell = (line: string) => (args.json ? ctx.io.stderr : ctx.io.stdout)(line);
      if (args.json) {
        ctx.io.stdout(`${JSON.stringify(describeRun(run), null, 2)}\n`);
        await writeOutputs(ctx, outputs, tell);
        return;
      }
      ctx.io.stdout(`${describeWorkload(config)}\n`);
      if ('prefill' in run) {
        const s = run.summary;
        ctx.io.stdout(
          `disaggregated: ${config.cluster.prefill_instances} prefill x ${run.prefill.xpu.name} tp=${run.prefill.tp}, ${config.cluster.decode_instances} decode x ${run.decode.xpu.name} tp=${run.decode.tp}\n` +
            `KV transfer: mean ${s.mean_kv_transfer_ms.toFixed(2)} ms, p99 ${s.p99_kv_transfer_ms.toFixed(2)} ms; utilisation: prefill ${(100 * s.prefill_utilization).toFixed(1)}%, decode ${(100 * s.decode_utilization).toFixed(1)}%\n\n`,
        );
      } else {
        const p = run.memoryPlan;
        ctx.io.stdout(
          `${run.performanceModel.describe()}\n` +
            `memory per device: weights ${(p.weightBytesPerDevice / 1e9).toFixed(1)} GB, KV cache ${(p.kvCacheBytesAvailablePerDevice / 1e9).toFixed(1)} GB ` +
            `(${p.maxKvCacheTokens.toLocaleString('en-US')} tokens${p.parallelism.dp > 1 ? ` over ${p.parallelism.dp} data-parallel ranks` : ''}, ${run.kvCacheBlocksPerReplica.toLocaleString('en-US')} blocks) x ${run.numReplicas} replica(s)\n` +
            `scheduler: max_num_seqs ${run.scheduler.maxNumSeqs}, max_num_batched_tokens ${run.scheduler.maxNumBatchedTokens}, max_model_len ${run.maxModelLen}\n\n`,
        );
      }
      ctx.io.stdout(formatTrafficHeader(config));
      ctx.io.stdout(formatBenchmarkSummary(run.summary));
      const d = describeRun(run);
      if (d.speculative_method !== undefined) {
        ctx.io.stdout(
          `speculative decoding (${String(d.speculative_method)}, ${String(d.num_speculative_tokens)} tokens): mean acceptance length ${run.summary.mean_acceptance_length.toFixed(2)}, ` +
            `TPOT speed-up ${(d.spec_decode_tpot_speedup as number).toFixed(2)}x, output throughput speed-up ${(d.spec_decode_throughput_speedup as number).toFixed(2)}x against no speculation\n`,
        );
      }
      const xpus = 'prefill' in run ? [run.prefill.xpu.name, run.decode.xpu.name] : [run.xpu.name];
      for (const xpu of new Set(xpus)) ctx.io.stdout(`accuracy: ${errorBandFor(config.performance_model.model_type, xpu, modelClassOf(run.model)).text}\n`);
      await writeOutputs(ctx, outputs, tell);
    },
  };
}

async function printMaxRate(ctx: CliContext, args: SimulateArgs, config: Parameters<typeof findMaxRate>[0]): Promise<void> {
  const sloPercentile = args['slo-percentile'] as number | undefined;
  if (sloPercentile !== undefined && !(sloPercentile > 0 && sloPercentile <= 100)) throw new UsageError(`--slo-percentile must be in (0, 100], got ${sloPercentile}`);
  if (!config.goodput) throw new UsageError('--find-max-rate needs SLOs: --goodput ttft:MS tpot:MS');
  const found = await findMaxRate(config, ctx.io.readTextFile, { sloPercentile });
  const percentile = sloPercentile ?? 90;
  const probes = found.probes.map((p) => ({ request_rate: p.rate, good_share: p.goodShare, meets_slo: p.meets }));
  const modelClass = modelClassOf(await resolveModel(config.model, ctx.io.readTextFile));
  if (args.json) {
    const error_band = errorBandFor(config.performance_model.model_type, config.xpu, modelClass);
    ctx.io.stdout(`${JSON.stringify({ max_request_rate: found.maxRate, slo_percentile: percentile, goodput: config.goodput, probes, ...(found.best?.summary ?? {}), error_band }, null, 2)}\n`);
    return;
  }
  const slo = Object.entries(config.goodput).map(([k, v]) => `${k} <= ${v} ms`).join(', ');
  const tried = found.probes.map((p) => `${p.rate.toFixed(3)}${p.meets ? '' : ' (missed)'}`).join(', ');
  if (!found.best) {
    ctx.io.stdout(`no request rate meets ${slo} for ${percentile}% of requests (rates tried: ${tried})\n`);
    return;
  }
  ctx.io.stdout(`max request rate meeting ${slo} for ${percentile}% of requests: ${found.maxRate.toFixed(3)} req/s\nrates tried: ${tried}\n\n`);
  ctx.io.stdout(formatBenchmarkSummary(found.best.summary));
  ctx.io.stdout(`accuracy: ${errorBandFor(config.performance_model.model_type, config.xpu, modelClass).text}\n`);
}

/** `--result-dir` joined with the file name, as vLLM does. */
function resultPath(args: SimulateArgs, defaultName: string): string {
  const name = (args['result-filename'] as string | undefined) ?? defaultName;
  const dir = args['result-dir'] as string | undefined;
  return dir ? path.join(dir, name) : name;
}

/**
 * One simulation per value of a sweep, on worker threads: one table row each (`--json`: an array of
 * result objects), a vLLM result file each (or one per line in `--result-filename`), and with
 * `--report` the sweep report.
 */
async function runSweep(ctx: CliContext, args: SimulateArgs, config: SimulationConfig, resultOptions: Record<string, unknown> | undefined): Promise<void> {
  for (const flag of ['output-requests', 'output-timeseries']) {
    if (args[flag] !== undefined) throw new UsageError(`--${flag} writes one run's requests; give --request-rate and --max-concurrency one value each to use it`);
  }
  const configs = expandSweep(config);
  const now = ctx.io.now();
  const progress = createProgress(ctx.io, { enabled: !args.json && !args.quiet, label: 'simulations' });
  let points;
  try {
    points = await runSweepTasks(
      configs.map((c) => ({ config: c, resultFile: resultOptions ? { dateTime: now, options: resultOptions } : undefined })),
      { threads: ctx.io.threads, readTextFile: ctx.io.readTextFile, onDone: progress.update },
    );
  } finally {
    progress.stop();
  }
  const records = points.map((p) => p.record);
  const outputs: Output[] = [];
  if (resultOptions) {
    const label = resultOptions.label as string | undefined;
    if (args['result-filename'] !== undefined) {
      const path = resultPath(args, '');
      outputs.push({ flag: '--result-filename', path, text: () => points.map((p) => `${JSON.stringify(p.vllmResult)}\n`).join(''), said: `wrote ${path} (${points.length} vllm bench serve results)\n` });
    } else {
      for (const [i, p] of points.entries()) {
        const path = resultPath(args, defaultVllmResultFilename(configs[i], String(records[i].model), now, label));
        outputs.push({ flag: '--save-result', path, text: () => `${JSON.stringify(p.vllmResult)}\n`, said: `wrote ${path} (vllm bench serve result)\n` });
      }
    }
  }
  const reportPath = args.report as string | undefined;
  if (reportPath) outputs.push({ flag: '--report', path: reportPath, text: () => renderSweepReport(records), said: `wrote ${reportPath} (HTML report)\n` });
  const tell = (line: string) => (args.json ? ctx.io.stderr : ctx.io.stdout)(line);
  if (args.json) {
    ctx.io.stdout(`${JSON.stringify(records, null, 2)}\n`);
    await writeOutputs(ctx, outputs, tell);
    return;
  }
  const first = records[0];
  ctx.io.stdout(
    `sweep: ${configs.length} simulations of ${String(first.model)} (${config.workload.trace ?? `${config.workload.num_requests} requests`}), ` +
      `burstiness ${config.workload.burstiness}\n\n`,
  );
  ctx.io.stdout(formatSweepTable(records));
  await writeOutputs(ctx, outputs, tell);
}

async function readConfigFile(ctx: CliContext, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await ctx.io.readTextFile(path);
  } catch (error) {
    throw new UsageError(`cannot read --config '${path}': ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config '${path}' is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return resolveConfigPaths(json, path);
}

/**
 * Files a config names (its trace, its calibration, a model or xpu JSON) are found beside the config, as
 * its author wrote them, wherever the command runs from; paths given as flags stay relative to the
 * current folder.
 */
export function resolveConfigPaths(json: unknown, configPath: string): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(json)) return json;
  const dir = path.dirname(configPath);
  const resolve = (value: unknown) => (typeof value === 'string' && value !== '' && !path.isAbsolute(value) ? path.join(dir, value) : value);
  // A model or xpu is a file only when it says so: `meta-llama/Llama-3.1-8B` is a Hugging Face id.
  const resolveFile = (value: unknown) => (typeof value === 'string' && /\.json$/i.test(value) ? resolve(value) : value);
  const out: Record<string, unknown> = { ...json, model: resolveFile(json.model), xpu: resolveFile(json.xpu) };
  if (isObject(json.workload) && json.workload.trace !== undefined) out.workload = { ...json.workload, trace: resolve(json.workload.trace) };
  if (isObject(json.performance_model) && json.performance_model.calibration_data_path !== undefined) {
    out.performance_model = { ...json.performance_model, calibration_data_path: resolve(json.performance_model.calibration_data_path) };
  }
  if (isObject(json.cluster)) out.cluster = { ...json.cluster, prefill_xpu: resolveFile(json.cluster.prefill_xpu), decode_xpu: resolveFile(json.cluster.decode_xpu) };
  // Only the keys the file had: an undefined one would still be a key to the strict schema's eye.
  const drop = (o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) if (v === undefined) delete o[k];
    return o;
  };
  drop(out);
  if (isObject(out.cluster)) drop(out.cluster);
  return out;
}


/** The files the flags ask for, written once the results are printed. */
function exportsOf(args: SimulateArgs, run: SimulationRun | DisaggregatedRun): Output[] {
  const outputs: Output[] = [];
  const requestsPath = args['output-requests'] as string | undefined;
  if (requestsPath) {
    const text = () => (requestsPath.endsWith('.jsonl') ? formatRequestResultsJsonl(run.result.requests) : formatRequestResultsCsv(run.result.requests));
    outputs.push({ flag: '--output-requests', path: requestsPath, text, said: `wrote ${requestsPath} (one row per request)\n` });
  }
  const reportPath = args.report as string | undefined;
  if (reportPath) outputs.push({ flag: '--report', path: reportPath, text: () => renderSimulationRunReport(run), said: `wrote ${reportPath} (HTML report)\n` });
  const seriesPath = args['output-timeseries'] as string | undefined;
  if (seriesPath) {
    const text = () => formatSeriesCsv(run.result.series, run.result.requests);
    outputs.push({ flag: '--output-timeseries', path: seriesPath, text, said: `wrote ${seriesPath} (time series)\n` });
  }
  return outputs;
}
