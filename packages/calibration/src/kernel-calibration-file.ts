import { z } from 'zod';
import { CalibrationError, formatIssues } from './errors.ts';
import { buildGrid, fitNonNegativeLine, interpolateSeries, numberColumn, parseCsvRows, rejectSlowOutliers, type Grid } from './kernel-tables.ts';

/** The format version of per-xpu kernel calibration files (format 2). */
export const KERNEL_CALIBRATION_FORMAT_VERSION = 2 as const;

const positive = z.number().positive();

function tableSchema<const A extends readonly string[]>(axisNames: A, description: string) {
  const axes = Object.fromEntries(axisNames.map((a) => [a, z.array(positive).min(2)])) as { [K in A[number]]: z.ZodArray<z.ZodNumber> };
  return z
    .strictObject({
      axes: z.strictObject(axes),
      latency_us: z.array(positive).describe('latency of every grid point in microseconds, row-major: the last axis varies fastest'),
      measured_cells: z.number().int().nonnegative().describe('grid points the source measured'),
      filled_cells: z.number().int().nonnegative().describe('grid points filled from their measured neighbours (log-space mean)'),
    })
    .describe(description)
    .superRefine((t, ctx) => {
      const size = axisNames.reduce((n, a) => n * (t.axes as Record<string, number[]>)[a].length, 1);
      if (t.latency_us.length !== size) {
        ctx.addIssue({ code: 'custom', path: ['latency_us'], message: `${t.latency_us.length} latencies for a grid of ${size} points` });
      }
    });
}

/** Figures of the xpu the kernels were measured on: the reference its efficiencies are taken against. */
const MeasuredOnSchema = z.strictObject({
  device: z.string().min(1).describe("the device as the source names it, e.g. 'NVIDIA H100 80GB HBM3'"),
  peak_bf16_tflops: positive.describe('dense bf16 peak of the spec sheet, 1e12 FLOP/s'),
  memory_bandwidth_gbps: positive.describe('memory bandwidth of the spec sheet, 1e9 bytes/s'),
  link_bandwidth_gbps: positive.describe('interconnect bandwidth per direction, 1e9 bytes/s'),
  link_latency_us: z.number().nonnegative(),
});

const CheckSchema = z.strictObject({
  name: z.string().min(1).describe('what was predicted: measurements the fit never saw'),
  points: z.number().int().nonnegative(),
  mape: z.number().nonnegative().describe('as a fraction (0.03 = 3%)'),
  max_error: z.number().nonnegative().describe('largest absolute relative error, as a fraction'),
});
/** A check a kernel calibration records about itself (see `CheckSchema`). */
export type KernelCalibrationCheck = z.infer<typeof CheckSchema>;

/**
 * Calibration file format 2: operator-level figures of one xpu, measured kernel by kernel, for any model.
 * Kernel latencies are grids over the operator's shape; a step's time is the sum of its kernels' prices plus
 * the engine's per-step overhead (a fixed part and a part per scheduled sequence) fitted from step data.
 */
export const KernelCalibrationSchema = z.strictObject({
  format_version: z.literal(KERNEL_CALIBRATION_FORMAT_VERSION),
  kind: z.literal('xpu-kernels'),
  xpu: z.string().min(1).describe("the xpu's catalog name, e.g. h100-sxm"),
  dtype: z.literal('bf16').describe('weights, activations and KV cache of the measured kernels'),
  engine: z.string().min(1),
  engine_version: z.string().min(1).describe('the engine whose kernels were measured'),
  measured_on: MeasuredOnSchema,
  gemm: tableSchema(['m', 'n', 'k'] as const, 'dense bf16 GEMM: m tokens x k -> n'),
  context_attention: tableSchema(
    ['sequences', 'tokens_per_sequence', 'q_heads'] as const,
    'causal prefill attention, nothing cached, head_dim 128; geometric mean over the measured KV-head counts',
  ),
  generation_attention: tableSchema(
    ['sequences', 'cached_tokens', 'q_heads', 'kv_heads'] as const,
    'decode attention (one query token per sequence), head_dim 128',
  ),
  all_reduce: tableSchema(['devices', 'message_bytes'] as const, 'the tensor-parallel all-reduce as vLLM runs it: its custom all-reduce (CUDA-graph mode) up to 8 MiB, NCCL above'),
  all_gather: tableSchema(['devices', 'message_bytes'] as const, 'NCCL all-gather'),
  all_to_all: tableSchema(
    ['devices', 'message_bytes'] as const,
    "NCCL all-to-all (nccl-tests alltoall_perf): message_bytes is each device's send buffer, its own share included; prices expert-parallel dispatch and combine",
  ).optional(),
  elementwise: z.strictObject({
    bandwidth_gbps: positive.describe('sustained bandwidth of norms, rotary embedding, activation and residual adds, 1e9 bytes/s'),
    launch_us: z.number().nonnegative().describe('fixed time per element-wise kernel'),
    fitted_on: z.string().min(1),
  }),
  fallback: z.strictObject({
    effective_tflops: positive.describe('large GEMMs: what operators without a table are priced at (compute-bound)'),
    effective_bandwidth_gbps: positive.describe('weight-streaming GEMMs at m <= 16 (memory-bound)'),
  }),
  engine_overhead: z.strictObject({
    per_step_ms: z.number().nonnegative(),
    per_sequence_ms: z.number().nonnegative(),
    fitted_on: z.array(z.string()).describe('the step measurements whose time beyond the kernels this was fitted to'),
    points: z.number().int().nonnegative(),
    mape: z.number().nonnegative().describe('of the fitted steps, as a fraction'),
  }),
  checks: z.array(CheckSchema).describe('predictions of measurements the fit never saw'),
  notes: z.array(z.string()),
  source: z.strictObject({
    files: z.array(z.string()),
    description: z.string(),
  }),
});
/** A per-xpu kernel calibration (format 2): operator latency tables, engine overhead, provenance and checks. */
export type KernelCalibration = z.infer<typeof KernelCalibrationSchema>;

const CUSTOM_ALL_REDUCE_MAX_BYTES = 8 * 1024 * 1024;

/** The aiconfigurator system names of the kernel tables, by catalog xpu. */
export const KERNEL_TABLE_SYSTEMS: Readonly<Record<string, string>> = {
  'a100-80gb': 'a100_sxm',
  'h100-sxm': 'h100_sxm',
  h200: 'h200_sxm',
  l40s: 'l40s',
};

/** The devices the aiconfigurator systems were measured on, as nvidia-smi names them. */
const KERNEL_TABLE_DEVICES: Readonly<Record<string, string>> = {
  a100_sxm: 'NVIDIA A100-SXM4-80GB',
  h100_sxm: 'NVIDIA H100 80GB HBM3',
  h200_sxm: 'NVIDIA H200',
  l40s: 'NVIDIA L40S',
};

/** Vidur's GPU names of its operator medians, by catalog xpu. */
const VIDUR_GPUS: Readonly<Record<string, string>> = { 'a100-80gb': 'a100', 'h100-sxm': 'h100' };

/** Where element-wise figures come from for an xpu that Vidur did not profile: the nearest one it did. */
const ELEMENTWISE_FROM: Readonly<Record<string, string>> = { h200: 'h100-sxm', l40s: 'a100-80gb' };

/** The texts of the measured kernel tables a format-2 file is built from (aiconfigurator's GEMM, attention and collectives CSVs, Vidur's operator profile). */
export interface KernelTableTexts {
  readonly gemm: string;
  readonly attention: string;
  readonly collectives: string;
  readonly vidurOperators: string;
}

/** The spec-sheet figures of the xpu a kernel calibration belongs to, for efficiencies and transfer to other xpus. */
export interface XpuReference {
  readonly name: string;
  readonly peakBf16FlopsPerSecond: number;
  readonly memoryBandwidthBytesPerSecond: number;
  readonly linkBandwidthBytesPerSecond: number;
  readonly linkLatencySeconds: number;
}

/** Everything of a format-2 file that the kernel tables alone determine (the engine overhead comes from step data). */
export type KernelTablesFit = Omit<KernelCalibration, 'engine_overhead' | 'checks' | 'source'>;

const significant = (x: number, digits = 4) => (x === 0 ? 0 : Number(x.toPrecision(digits)));

function toTable<A extends string>(grid: Grid, names: readonly A[]) {
  return {
    axes: Object.fromEntries(names.map((n, i) => [n, grid.axes[i]])) as Record<A, number[]>,
    latency_us: grid.latencySeconds.map((s) => significant(s * 1e6)),
    measured_cells: grid.measuredCells,
    filled_cells: grid.filledCells,
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Element-wise kernels of one Vidur row: per-layer bytes each reads and writes, in bf16, and its median time. */
function elementwiseSamples(rows: readonly Record<string, string>[], name: string): { x: number; y: number }[] {
  const samples: { x: number; y: number }[] = [];
  for (const r of rows) {
    const tokens = numberColumn(r, 'num_tokens', name);
    const hidden = numberColumn(r, 'n_embd', name);
    const tp = numberColumn(r, 'tp', name);
    const heads = numberColumn(r, 'n_head', name);
    const kvHeads = numberColumn(r, 'n_kv_head', name);
    const intermediate = numberColumn(r, 'n_expanded_embd', name);
    const headDim = hidden / heads;
    const qOut = (heads / tp) * headDim;
    const kvOut = Math.max(1, kvHeads / tp) * headDim;
    const ops: [string, number][] = [
      ['input_layernorm_median_ms', 2 * tokens * hidden * 2],
      ['post_attention_layernorm_median_ms', 2 * tokens * hidden * 2],
      ['attn_rope_median_ms', 2 * tokens * (qOut + kvOut) * 2],
      ['mlp_act_median_ms', 3 * tokens * (intermediate / tp) * 2],
      ['add_median_ms', 3 * tokens * hidden * 2],
    ];
    for (const [column, bytes] of ops) {
      const ms = Number(r[column]);
      if (Number.isFinite(ms) && ms > 0) samples.push({ x: bytes, y: ms / 1000 });
    }
  }
  return samples;
}

/**
 * The operator-level figures of one xpu from the measured kernel tables: GEMM, prefill and decode attention
 * and collective latencies on their shape grids, element-wise bandwidth fitted to Vidur's medians (or
 * carried over from the nearest profiled xpu by its bandwidth fraction), and the fallback figures of
 * operators without a table. Pure: the same texts give the same figures.
 */
export function fitKernelTables(
  texts: KernelTableTexts,
  xpu: XpuReference,
  reference?: Record<string, XpuReference>,
  options: { readonly excludeModels?: readonly string[] } = {},
): KernelTablesFit {
  const system = KERNEL_TABLE_SYSTEMS[xpu.name];
  if (!system) {
    throw new CalibrationError(
      'INVALID_KERNEL_TABLE',
      `no kernel tables for xpu '${xpu.name}'; measured: ${Object.keys(KERNEL_TABLE_SYSTEMS).join(', ')}`,
    );
  }
  const notes: string[] = [];
  const gemmRows = parseCsvRows(texts.gemm, 'GEMM table').filter((r) => r.system === system);
  if (gemmRows.length === 0) throw new CalibrationError('INVALID_KERNEL_TABLE', `GEMM table: no row of system '${system}'`);
  const gemmPoints = gemmRows.map((r) => ({
    coordinates: [numberColumn(r, 'm', 'GEMM table'), numberColumn(r, 'n', 'GEMM table'), numberColumn(r, 'k', 'GEMM table')],
    seconds: numberColumn(r, 'latency_ms', 'GEMM table') / 1000,
  }));
  const gemm = buildGrid(gemmPoints, 'GEMM table');
  // Work of a GEMM: its FLOPs plus its bytes at the ridge, so that memory-bound shapes compare fairly too.
  const gemmGlitches = rejectSlowOutliers(gemm, ([m, n, k]) => 2 * m * n * k + 300 * 2 * (m * k + k * n + m * n));

  const attentionRows = parseCsvRows(texts.attention, 'attention table').filter((r) => r.system === system);
  const headDims = new Set(attentionRows.map((r) => r.head_dim));
  if (headDims.size !== 1 || !headDims.has('128')) {
    throw new CalibrationError('INVALID_KERNEL_TABLE', `attention table: expected head_dim 128 only for '${system}', found ${[...headDims].join(', ')}`);
  }
  const context = buildGrid(
    attentionRows
      .filter((r) => r.phase === 'context')
      .map((r) => ({
        coordinates: [numberColumn(r, 'batch_size', 'attention table'), numberColumn(r, 'isl', 'attention table'), numberColumn(r, 'num_heads_per_gpu', 'attention table')],
        seconds: numberColumn(r, 'latency_ms', 'attention table') / 1000,
      })),
    'context attention table',
  );
  const contextGlitches = rejectSlowOutliers(context, ([b, isl, heads]) => b * isl * (isl + 1) * heads + 64 * b * isl * heads);
  const generation = buildGrid(
    attentionRows
      .filter((r) => r.phase === 'generation')
      .map((r) => ({
        coordinates: [
          numberColumn(r, 'batch_size', 'attention table'),
          // kv_history_len counts the cached tokens; the new token attends to them and to itself.
          numberColumn(r, 'kv_history_len', 'attention table') + 1,
          numberColumn(r, 'num_heads_per_gpu', 'attention table'),
          numberColumn(r, 'num_kv_heads_per_gpu', 'attention table'),
        ],
        seconds: numberColumn(r, 'latency_ms', 'attention table') / 1000,
      })),
    'generation attention table',
  );

  const generationGlitches = rejectSlowOutliers(generation, ([b, cached, heads, kvHeads]) => b * cached * (kvHeads + heads / 8));
  const commRows = parseCsvRows(texts.collectives, 'collectives table').filter((r) => r.system === system);
  const series = (pick: (r: Record<string, string>) => boolean, bytesPerElement: number) => {
    const byDevices = new Map<number, { x: number; seconds: number }[]>();
    for (const r of commRows.filter(pick)) {
      const devices = numberColumn(r, 'num_gpus', 'collectives table');
      const list = byDevices.get(devices) ?? [];
      list.push({ x: numberColumn(r, 'message_elements', 'collectives table') * bytesPerElement, seconds: numberColumn(r, 'latency_ms', 'collectives table') / 1000 });
      byDevices.set(devices, list);
    }
    return byDevices;
  };
  const custom = series((r) => r.op === 'all_reduce' && r.impl.endsWith('vLLM_custom_graph'), 2);
  const ncclAllReduce = series((r) => r.op === 'all_reduce' && r.impl.startsWith('nccl') && r.dtype === 'half', 2);
  const ncclAllGather = series((r) => r.op === 'all_gather' && r.impl.startsWith('nccl') && r.dtype === 'half', 2);
  const ncclAllToAll = series((r) => r.op === 'alltoall' && r.impl.startsWith('nccl') && r.dtype === 'half', 2);
  const collectiveGrid = (pickSeries: (devices: number, bytes: number) => number, devicesList: number[], sizes: number[], name: string) =>
    buildGrid(
      devicesList.flatMap((d) => sizes.map((b) => ({ coordinates: [d, b], seconds: pickSeries(d, b) }))),
      name,
    );
  const devicesList = [...ncclAllReduce.keys()].sort((a, b) => a - b);
  if (devicesList.length < 2) throw new CalibrationError('INVALID_KERNEL_TABLE', `collectives table: too few device counts for '${system}'`);
  const sizes = (maps: Map<number, { x: number }[]>[]) => [...new Set(maps.flatMap((m) => [...m.values()].flatMap((l) => l.map((p) => p.x))))].sort((a, b) => a - b);
  const allReduce = collectiveGrid(
    (d, bytes) => {
      const c = custom.get(d);
      // vLLM's custom all-reduce serves messages up to its buffer (CustomAllreduce's max_size, 8 MiB by default in
      // vllm/distributed/device_communicators/custom_all_reduce.py); larger ones go to NCCL.
      if (c && bytes <= CUSTOM_ALL_REDUCE_MAX_BYTES) return interpolateSeries(c, bytes);
      return interpolateSeries(ncclAllReduce.get(d)!, bytes);
    },
    devicesList,
    sizes([custom, ncclAllReduce]),
    'all-reduce table',
  );
  const allGather = collectiveGrid((d, bytes) => interpolateSeries(ncclAllGather.get(d)!, bytes), devicesList, sizes([ncclAllGather]), 'all-gather table');
  // Older reductions of the collectives table left the all-to-all rows out: the file then has no all_to_all.
  const allToAllDevices = [...ncclAllToAll.keys()].sort((a, b) => a - b);
  const allToAll =
    allToAllDevices.length >= 2
      ? collectiveGrid((d, bytes) => interpolateSeries(ncclAllToAll.get(d)!, bytes), allToAllDevices, sizes([ncclAllToAll]), 'all-to-all table')
      : undefined;

  // Fallback figures: large GEMMs for FLOP/s, weight-streaming GEMMs at few tokens for bandwidth.
  const large = gemmPoints.filter((p) => p.coordinates.every((c) => c >= 4096)).map((p) => (2 * p.coordinates[0] * p.coordinates[1] * p.coordinates[2]) / p.seconds);
  const streaming = gemmPoints
    .filter((p) => p.coordinates[0] <= 16 && p.coordinates[1] * p.coordinates[2] >= 4096 * 4096)
    .map((p) => (2 * (p.coordinates[0] * p.coordinates[2] + p.coordinates[1] * p.coordinates[2] + p.coordinates[0] * p.coordinates[1])) / p.seconds);

  // Element-wise: Vidur's medians of this xpu, or of the nearest profiled one at the same fraction of bandwidth.
  const exclude = new Set(options.excludeModels ?? []);
  const vidurRows = parseCsvRows(texts.vidurOperators, 'Vidur operator table').filter((r) => !exclude.has(r.model));
  let elementwiseGpu = VIDUR_GPUS[xpu.name];
  let scale = 1;
  let fittedOn: string;
  if (elementwiseGpu) {
    fittedOn = `Vidur operator medians on ${xpu.name} (norms, rotary embedding, activation, residual add)`;
  } else {
    const from = ELEMENTWISE_FROM[xpu.name];
    const ref = from ? reference?.[from] : undefined;
    if (!from || !ref) throw new CalibrationError('INVALID_KERNEL_TABLE', `no element-wise reference for xpu '${xpu.name}'`);
    elementwiseGpu = VIDUR_GPUS[from];
    scale = xpu.memoryBandwidthBytesPerSecond / ref.memoryBandwidthBytesPerSecond;
    fittedOn = `Vidur operator medians on ${from}, at the same fraction of memory bandwidth (${xpu.name} was not profiled)`;
    notes.push(`element-wise kernels carried over from ${from}: bandwidth scaled by ${significant(scale, 3)} (spec-sheet bandwidth ratio)`);
  }
  const line = fitNonNegativeLine(elementwiseSamples(vidurRows.filter((r) => r.gpu === elementwiseGpu), 'Vidur operator table'));
  if (!(line.b > 0)) throw new CalibrationError('INVALID_KERNEL_TABLE', `Vidur operator table: no usable element-wise rows for '${elementwiseGpu}'`);

  notes.push(
    `grids (measured + filled from neighbours, of which replaced as glitches): GEMM ${gemm.measuredCells} + ${gemm.filledCells}, ${gemmGlitches}; ` +
      `context attention ${context.measuredCells} + ${context.filledCells}, ${contextGlitches}; generation attention ${generation.measuredCells} + ${generation.filledCells}, ${generationGlitches}`,
  );
  const fit = {
    format_version: KERNEL_CALIBRATION_FORMAT_VERSION,
    kind: 'xpu-kernels' as const,
    xpu: xpu.name,
    dtype: 'bf16' as const,
    engine: 'vllm',
    engine_version: '0.14.0',
    measured_on: {
      device: KERNEL_TABLE_DEVICES[system],
      peak_bf16_tflops: significant(xpu.peakBf16FlopsPerSecond / 1e12, 6),
      memory_bandwidth_gbps: significant(xpu.memoryBandwidthBytesPerSecond / 1e9, 6),
      link_bandwidth_gbps: significant(xpu.linkBandwidthBytesPerSecond / 1e9, 6),
      link_latency_us: significant(xpu.linkLatencySeconds * 1e6, 6),
    },
    gemm: toTable(gemm, ['m', 'n', 'k'] as const),
    context_attention: toTable(context, ['sequences', 'tokens_per_sequence', 'q_heads'] as const),
    generation_attention: toTable(generation, ['sequences', 'cached_tokens', 'q_heads', 'kv_heads'] as const),
    all_reduce: toTable(allReduce, ['devices', 'message_bytes'] as const),
    all_gather: toTable(allGather, ['devices', 'message_bytes'] as const),
    ...(allToAll ? { all_to_all: toTable(allToAll, ['devices', 'message_bytes'] as const) } : {}),
    elementwise: {
      bandwidth_gbps: significant((scale / line.b) / 1e9),
      launch_us: significant(line.a * 1e6),
      fitted_on: fittedOn,
    },
    fallback: {
      effective_tflops: significant(median(large) / 1e12),
      effective_bandwidth_gbps: significant(median(streaming) / 1e9),
    },
    notes,
  };
  return fit;
}

/** The file's text: validated; numeric arrays on one line each, so that the committed file stays readable. */
export function serializeKernelCalibration(calibration: KernelCalibration): string {
  const parsed = KernelCalibrationSchema.safeParse(calibration);
  if (!parsed.success) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `cannot write an invalid calibration: ${formatIssues(parsed.error.issues)}`);
  }
  const text = JSON.stringify(parsed.data, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, body: string) => `[${body.split(/,\s+/).join(', ')}]`);
  return `${text}\n`;
}

/** Validates a format-2 file; errors name the field and `path`. */
export function parseKernelCalibration(json: unknown, path: string): KernelCalibration {
  const parsed = KernelCalibrationSchema.safeParse(json);
  if (!parsed.success) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `${path} is not a valid calibration file: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/** The operator-level figures in SI units, in the shape the roofline's KernelCalibratedModel takes. */
export function toKernelProfile(c: Omit<KernelCalibration, 'checks' | 'source'>) {
  const table = (t: { axes: Record<string, number[]>; latency_us: number[] }) => ({
    axes: Object.values(t.axes),
    latencySeconds: t.latency_us.map((us) => us / 1e6),
  });
  return {
    profile: {
      xpu: c.xpu,
      peakFlopsPerSecond: c.measured_on.peak_bf16_tflops * 1e12,
      memoryBandwidthBytesPerSecond: c.measured_on.memory_bandwidth_gbps * 1e9,
      linkBandwidthBytesPerSecond: c.measured_on.link_bandwidth_gbps * 1e9,
      linkLatencySeconds: c.measured_on.link_latency_us / 1e6,
      gemm: table(c.gemm),
      contextAttention: table(c.context_attention),
      generationAttention: table(c.generation_attention),
      allReduce: table(c.all_reduce),
      allGather: table(c.all_gather),
      ...(c.all_to_all ? { allToAll: table(c.all_to_all) } : {}),
      elementwise: { bandwidthBytesPerSecond: c.elementwise.bandwidth_gbps * 1e9, launchSeconds: c.elementwise.launch_us / 1e6 },
      fallback: { flopsPerSecond: c.fallback.effective_tflops * 1e12, bandwidthBytesPerSecond: c.fallback.effective_bandwidth_gbps * 1e9 },
    },
    overhead: {
      perStepSeconds: c.engine_overhead.per_step_ms / 1000,
      perSequenceSeconds: c.engine_overhead.per_sequence_ms / 1000,
    },
  };
}

export { fitNonNegativeLine };

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A format-2 calibration as text: the figures a reader checks, and the held-out checks with their errors. */
export function formatKernelCalibration(c: KernelCalibration): string {
  const cells = (t: { measured_cells: number; filled_cells: number }) => `${t.measured_cells} measured + ${t.filled_cells} filled`;
  const lines = [
    `operator-level calibration of ${c.xpu} (${c.measured_on.device}, kernels of ${c.engine} ${c.engine_version}, ${c.dtype})`,
    `  GEMM grid: ${cells(c.gemm)}; prefill attention: ${cells(c.context_attention)}; decode attention: ${cells(c.generation_attention)}`,
    `  element-wise: ${c.elementwise.bandwidth_gbps} GB/s + ${c.elementwise.launch_us} us per kernel (${c.elementwise.fitted_on})`,
    `  operators without a table: ${c.fallback.effective_tflops} TFLOP/s, ${c.fallback.effective_bandwidth_gbps} GB/s`,
    `  engine overhead: ${c.engine_overhead.per_step_ms} ms per step + ${c.engine_overhead.per_sequence_ms} ms per sequence`,
    'checks (measurements the fit never used):',
    ...c.checks.map((k) => `  ${k.name}: ${k.points} points, MAPE ${percent(k.mape)}, max error ${percent(k.max_error)}`),
    ...c.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
