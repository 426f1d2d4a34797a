import { DATASET_NAMES, startEmulator, type DatasetName, type OutputLengthDistribution, type RunningEmulator } from '@llm-sim/factory';
import type { CommandModule } from 'yargs';
import type { CliContext } from '../context.ts';
import { UsageError, parseLength, withModelAndXpu } from '../options.ts';

interface ServeArgs {
  model?: string;
  xpu?: string;
  tp?: number;
  pp?: number;
  'performance-model'?: string;
  'calibration-data'?: string;
  'weight-dtype'?: string;
  'kv-cache-dtype'?: string;
  quantization?: string;
  port?: number;
  host?: string;
  'served-model-name'?: string;
  'max-num-seqs'?: number;
  'max-num-batched-tokens'?: number;
  'block-size'?: number;
  'gpu-memory-utilization'?: number;
  'max-model-len'?: number;
  'chunked-prefill'?: boolean;
  'eos-output-len'?: string;
  seed?: number;
  json?: boolean;
}

export interface ServeCommandOptions {
  /**
   * Resolves when the server should stop: by default on SIGINT or SIGTERM. Tests pass their own, and
   * get the running emulator to talk to it first.
   */
  readonly waitForShutdown?: (emulator: RunningEmulator) => Promise<void>;
}

/** Waits for Ctrl-C or a service manager's stop, then lets go of both handlers. */
function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function port(value: number | undefined): number {
  const p = value ?? 8000;
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got ${value}`);
  return p;
}

/** `--eos-output-len`: a shipped dataset's name, or the syntax of the workload's length flags. */
function outputLength(value: string | undefined): OutputLengthDistribution | DatasetName | undefined {
  if (value === undefined) return undefined;
  if ((DATASET_NAMES as readonly string[]).includes(value)) return value as DatasetName;
  let parsed: ReturnType<typeof parseLength>;
  try {
    parsed = parseLength('--eos-output-len', value);
  } catch {
    throw new UsageError(`--eos-output-len must be N, fixed:N, uniform:MIN:MAX, normal:MEAN:STD or a dataset (${DATASET_NAMES.join(', ')}), got '${value}'`);
  }
  if (parsed === undefined) return undefined;
  return typeof parsed === 'number' ? { kind: 'fixed', value: parsed } : (parsed as OutputLengthDistribution);
}

export function serveCommand(ctx: CliContext, options: ServeCommandOptions = {}): CommandModule<object, ServeArgs> {
  return {
    command: 'serve',
    describe: 'Serve an OpenAI-compatible API whose tokens arrive when the simulated hardware would produce them',
    builder: (y) =>
      withModelAndXpu(y)
        .option('port', { type: 'number', describe: 'port to listen on (default 8000, as vllm serve; 0 picks a free one)' })
        .option('host', { type: 'string', describe: 'address to listen on (default 127.0.0.1)' })
        .option('served-model-name', { type: 'string', describe: "the model name clients send (default: the model's Hugging Face id, as vllm serve)" })
        .option('max-num-seqs', { type: 'number', describe: "vLLM's --max-num-seqs (default: vLLM's for the xpu, 1024 on GPUs of at least 70 GiB other than A100, else 256)" })
        .option('max-num-batched-tokens', { type: 'number', describe: "vLLM's --max-num-batched-tokens, the token budget of a step (default: vLLM's for the xpu, 8192 on GPUs of at least 70 GiB other than A100, else 2048)" })
        .option('block-size', { type: 'number', describe: 'KV-cache block size in tokens (default 16)' })
        .option('gpu-memory-utilization', { type: 'number', describe: 'share of device memory vLLM may use (default 0.9)' })
        .option('max-model-len', { type: 'number', describe: "longest prompt + output (default: the model's max_position_embeddings)" })
        .option('chunked-prefill', { type: 'boolean', describe: 'split long prompts over steps (default on; --no-chunked-prefill)' })
        .option('eos-output-len', {
          type: 'string',
          describe:
            'tokens a reply runs before its end-of-sequence token when the client sets no max_tokens: N, uniform:MIN:MAX, normal:MEAN:STD, or a shipped dataset whose output lengths to draw (sharegpt, arxiv, azure-conv-2023, azure-code-2023; default: azure-conv-2023, median 129, mean 211)',
        })
        .option('seed', { type: 'number', describe: 'seed of the reply lengths (default 0)' })
        .example('$0 serve --model llama-3.1-8b --xpu h100', 'emulate vllm serve on http://127.0.0.1:8000')
        .example('$0 serve --model llama-3.1-70b --xpu h100 --tp 4 --port 8100 --max-num-seqs 128', 'a TP4 server with a smaller batch'),
    handler: async (args) => {
      if (!args.model || !args.xpu) throw new UsageError('serve needs --model and --xpu (see `llm-sim models` and `llm-sim xpus`)');
      const emulator = await startEmulator({
        model: args.model,
        xpu: args.xpu,
        tp: args.tp,
        pp: args.pp,
        dtypes: {
          ...(args['weight-dtype'] ? { weights: args['weight-dtype'] as 'bf16' } : {}),
          ...(args['kv-cache-dtype'] ? { kvCache: args['kv-cache-dtype'] as 'bf16' } : {}),
        },
        quantization: args.quantization as 'fp8' | undefined,
        performanceModelType: args['performance-model'] as 'roofline' | 'vllm_roofline' | undefined,
        calibrationDataPath: args['calibration-data'],
        port: port(args.port),
        host: args.host,
        servedModelName: args['served-model-name'],
        maxNumSeqs: args['max-num-seqs'],
        maxNumBatchedTokens: args['max-num-batched-tokens'],
        blockSize: args['block-size'],
        gpuMemoryUtilization: args['gpu-memory-utilization'],
        maxModelLen: args['max-model-len'],
        enableChunkedPrefill: args['chunked-prefill'],
        outputLength: outputLength(args['eos-output-len']),
        seed: args.seed,
        readTextFile: ctx.io.readTextFile,
      });
      try {
        const { setup } = emulator;
        if (args.json) {
          ctx.io.stdout(
            `${JSON.stringify({
              url: emulator.url,
              served_model_name: emulator.servedModelName,
              model: setup.model.name,
              xpu: setup.xpu.name,
              tp: setup.config.parallelism.tp,
              pp: setup.config.parallelism.pp,
              performance_model: setup.config.performance_model.model_type,
              kv_cache_blocks: setup.kvCacheBlocksPerReplica,
              block_size: setup.config.scheduler.block_size,
              max_model_len: emulator.maxModelLen,
            })}\n`,
          );
        } else {
          ctx.io.stdout(
            `Emulating ${setup.model.name} on ${setup.xpu.name} (tp=${setup.config.parallelism.tp}, pp=${setup.config.parallelism.pp}, ${setup.config.performance_model.model_type}) as '${emulator.servedModelName}'\n` +
              `KV cache: ${setup.kvCacheBlocksPerReplica} blocks of ${setup.config.scheduler.block_size} tokens; max_model_len ${emulator.maxModelLen}\n` +
              `Serving on ${emulator.url} (OpenAI API at ${emulator.url}/v1); Ctrl-C to stop\n`,
          );
        }
        await (options.waitForShutdown ?? waitForSignal)(emulator);
      } finally {
        await emulator.close();
      }
      if (!args.json) ctx.io.stdout('Stopped.\n');
    },
  };
}
