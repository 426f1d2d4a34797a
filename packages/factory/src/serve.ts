import type { AddressInfo } from 'node:net';
import type { DtypeConfig, Quantization } from '@llm-sim/roofline';
import type { Clock, EmulatorServer, OutputLengthDistribution } from '@llm-sim/emulator';
import { createRandom } from '@llm-sim/simulator';
import type { PerformanceModelType } from './config.ts';
import { parseSimulationConfig } from './config.ts';
import { loadDataset, type DatasetName } from './datasets.ts';
import type { ReadTextFile } from './file-access.ts';
import { setUpSimulation, type SimulationSetup } from './simulation.ts';

/** How `startEmulator` sets up `llm-sim serve`: the deployment as for `simulate`, where to listen, and output lengths. */
export interface StartEmulatorOptions {
  readonly model: string;
  readonly xpu: string;
  readonly tp?: number;
  readonly pp?: number;
  readonly dtypes?: Partial<DtypeConfig>;
  /** vLLM's --quantization (fp8: W8A8 on fp8 tensor cores). */
  readonly quantization?: Quantization;
  readonly performanceModelType?: PerformanceModelType;
  readonly calibrationDataPath?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  readonly blockSize?: number;
  readonly enableChunkedPrefill?: boolean;
  readonly maxModelLen?: number;
  readonly gpuMemoryUtilization?: number;
  /** The name clients must send (vLLM `--served-model-name`); the model's Hugging Face id by default, as vLLM. */
  readonly servedModelName?: string;
  readonly readTextFile: ReadTextFile;
  /** The system clock by default; a `ManualClock` in tests that drive time themselves. */
  readonly clock?: Clock;
  /**
   * How long replies run before EOS when a client sets no limit: a distribution, or a shipped dataset whose
   * output lengths are drawn (`sharegpt`, ...); default the Azure 2023 conversation trace's.
   */
  readonly outputLength?: OutputLengthDistribution | DatasetName;
  /** Seeds the output lengths (default 0): the same requests in the same order get the same lengths. */
  readonly seed?: number;
}

/** A listening emulator: its URL, served model name and setup; `close()` stops it. */
export interface RunningEmulator {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly servedModelName: string;
  /** The model, xpu, performance model and memory plan, wired exactly as for a simulation. */
  readonly setup: SimulationSetup;
  /** The longest prompt + output served and advertised: max_model_len, never more than the KV cache holds. */
  readonly maxModelLen: number;
  readonly server: EmulatorServer;
  /** Stops listening, drops open connections (streams in flight end), stops the engine. */
  close(): Promise<void>;
}

/** A dataset's output lengths as an empirical distribution: every observed length, sorted, as its quantiles. */
async function datasetOutputLengths(name: DatasetName): Promise<OutputLengthDistribution> {
  const { requests } = await loadDataset(name);
  return { kind: 'quantiles', tokens: Array.from(requests.outputTokens).sort((a, b) => a - b) };
}

/**
 * Starts `llm-sim serve`: builds the performance model and the memory plan as `setUpSimulation`
 * does for the same flags (so the emulator and `llm-sim simulate` price and size alike), then
 * listens with an OpenAI-compatible emulator server.
 */
export async function startEmulator(options: StartEmulatorOptions): Promise<RunningEmulator> {
  const config = parseSimulationConfig(
    {
      model: options.model,
      xpu: options.xpu,
      parallelism: { tp: options.tp, pp: options.pp },
      dtype: { weights: options.dtypes?.weights, activations: options.dtypes?.activations, kv_cache: options.dtypes?.kvCache },
      scheduler: {
        max_num_seqs: options.maxNumSeqs,
        max_num_batched_tokens: options.maxNumBatchedTokens,
        block_size: options.blockSize,
        enable_chunked_prefill: options.enableChunkedPrefill,
        max_model_len: options.maxModelLen,
        gpu_memory_utilization: options.gpuMemoryUtilization,
      },
      quantization: options.quantization,
      performance_model: { model_type: options.performanceModelType, calibration_data_path: options.calibrationDataPath },
      // setUpSimulation also builds a workload; one request is the cheapest it accepts, and it is unused.
      workload: { num_requests: 1, input_len: 1, output_len: 1 },
    },
    'serve options',
  );
  const setup = await setUpSimulation(config, options.readTextFile);
  const servedModelName = options.servedModelName ?? setup.model.huggingFaceId ?? setup.model.name;
  // Loaded here, not at start-up: only `llm-sim serve` needs the HTTP server.
  const { createEmulatorServer, createSystemClock } = await import('@llm-sim/emulator');
  const server = createEmulatorServer({
    performanceModel: setup.performanceModel,
    modelName: servedModelName,
    kvCacheBlocks: setup.kvCacheBlocksPerReplica,
    scheduler: {
      maxNumSeqs: setup.scheduler.maxNumSeqs,
      maxNumBatchedTokens: setup.scheduler.maxNumBatchedTokens,
      blockSize: setup.scheduler.blockSize,
      enableChunkedPrefill: setup.scheduler.enableChunkedPrefill,
    },
    maxModelLen: setup.maxModelLen,
    clock: options.clock ?? createSystemClock(),
    outputLength: typeof options.outputLength === 'string' ? await datasetOutputLengths(options.outputLength) : options.outputLength,
    random: createRandom(options.seed ?? 0),
    gpuMemoryUtilization: setup.memoryPlan.gpuMemoryUtilization,
    kvCacheDtype: options.dtypes?.kvCache ?? 'auto',
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    servedModelName,
    setup,
    maxModelLen: server.maxModelLen,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
