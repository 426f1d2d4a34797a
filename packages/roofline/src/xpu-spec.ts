import * as z from 'zod/mini';
import { DTYPES, type Dtype } from './dtype.ts';
import { RooflineError, formatIssues } from './errors.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

const positive = z.number().check(z.positive());

/** Dense (no structured sparsity) tensor peak per dtype; a dtype the chip cannot compute in is absent. */
export const PeakFlopsSchema = z.partialRecord(z.enum(DTYPES), positive);

/** An accelerator, normalised to SI units. */
export const XpuSpecSchema = z.object({
  name: z.string().check(z.minLength(1)),
  aliases: z._default(z.array(z.string()), []),
  vendor: z._default(z.string(), 'custom'),
  /**
   * Device memory as the runtime reports it (CUDA's `cudaMemGetInfo` total, ROCm's `hipMemGetInfo`):
   * the figure vLLM multiplies by `gpu_memory_utilization`. An "80 GB" H100 reports about 79.1 GiB.
   */
  memoryBytes: positive,
  /** The spec sheet's headline memory (decimal GB), for display only. */
  nominalMemoryBytes: positive,
  memoryBandwidthBytesPerSecond: positive,
  peakFlopsPerSecond: PeakFlopsSchema.check(z.refine((p) => Object.keys(p).length > 0, 'at least one dtype is needed')),
  interconnect: z.object({
    /** Per device and direction: what a ring all-reduce step moves at. */
    bandwidthBytesPerSecond: positive,
    /** Fixed cost of one collective (launch plus synchronisation). */
    latencySeconds: z.number().check(z.nonnegative()),
    kind: z._default(z.string(), 'custom'),
  }),
  /**
   * The scale-out network of a node (per-device NIC, e.g. one 400 Gb/s ConnectX-7 per GPU) and how many devices a
   * node holds on the interconnect above: a tensor- or pipeline-parallel group larger than a node crosses it.
   */
  network: z.optional(z
    .object({ bandwidthBytesPerSecond: positive, devicesPerNode: z.int().check(z.positive()), kind: z._default(z.string(), 'custom') })
    ),
  /** Spec sheets the figures come from. */
  source: z._default(z.array(z.string()), []),
  notes: z.optional(z.string()),
});
/** An accelerator as the roofline prices it: memory, bandwidth, peak FLOP/s per precision, interconnect and network, with sources. */
export type XpuSpec = z.infer<typeof XpuSpecSchema>;

const GB = 1e9;
const TERA = 1e12;

const GIB = 1024 ** 3;

/**
 * The custom xpu file format (`--xpu ./my-xpu.json`): friendly units, snake_case like the rest of the
 * project's JSON files.
 *
 * Memory convention (every catalog entry follows it; add new xpus the same way): `memory_gb` is the spec
 * sheet's headline in decimal GB (shown to users); `memory_gib` is the total the device reports to its
 * runtime, in GiB (`torch.cuda.mem_get_info()[1]`, which is what vLLM sizes its KV cache from), and
 * `memory_gib_source` cites where that reported figure was read (a log, `deviceQuery` or `nvidia-smi`
 * output). An "80 GB" H100 reports 79.1 GiB = 84.9e9 bytes, 6% more than 80e9. Without `memory_gib` the
 * simulator uses `memory_gb` x 1e9 and the xpu's notes say so.
 */
export const XpuFileSchema = z.object({
  name: z.string().check(z.minLength(1)),
  aliases: z.optional(z.array(z.string())),
  vendor: z.optional(z.string()),
  /** The spec sheet's headline memory, decimal GB. */
  memory_gb: positive,
  /** Total memory the device reports to CUDA/ROCm, GiB. */
  memory_gib: z.optional(positive),
  memory_gib_source: z.optional(z.string().check(z.minLength(1))),
  /** Memory bandwidth, GB/s. */
  memory_bandwidth_gbps: positive,
  peak_tflops: PeakFlopsSchema.check(z.refine((p) => Object.keys(p).length > 0, 'at least one dtype is needed')),
  /** Interconnect bandwidth per device, GB/s per direction. */
  interconnect_bandwidth_gbps: z.optional(positive),
  interconnect_latency_us: z.optional(z.number().check(z.nonnegative())),
  interconnect: z.optional(z.string()),
  /** Scale-out NIC bandwidth per device, Gbit/s per direction (400 for a ConnectX-7 per GPU). */
  network_gbit_per_s: z.optional(positive),
  /** Devices one node joins on `interconnect` (8 in an HGX board, 72 in an NVL72 rack); default 8. */
  devices_per_node: z.optional(z.int().check(z.positive())),
  network: z.optional(z.string()),
  source: z.optional(z.union([z.string(), z.array(z.string())])),
  notes: z.optional(z.string()),
});
/** An accelerator as written in a JSON file, in the units of spec sheets (GB/s, TFLOP/s, GiB). */
export type XpuFile = z.infer<typeof XpuFileSchema>;

/** Validates an xpu file and converts it to base units; errors name the field and `origin`. */
export function parseXpuSpec(json: unknown, origin = 'xpu file'): XpuSpec {
  const parsed = XpuFileSchema.safeParse(json, ENGLISH_ISSUES);
  if (!parsed.success) {
    throw new RooflineError('INVALID_XPU_SPEC', `${origin} is not a valid xpu spec: ${formatIssues(parsed.error.issues)}`);
  }
  return fromXpuFile(parsed.data);
}

export function fromXpuFile(f: XpuFile): XpuSpec {
  const peakFlopsPerSecond: Partial<Record<Dtype, number>> = {};
  for (const [dtype, tflops] of Object.entries(f.peak_tflops) as [Dtype, number][]) {
    peakFlopsPerSecond[dtype] = tflops * TERA;
  }
  return XpuSpecSchema.parse({
    name: f.name,
    aliases: f.aliases ?? [],
    vendor: f.vendor ?? 'custom',
    memoryBytes: f.memory_gib !== undefined ? f.memory_gib * GIB : f.memory_gb * GB,
    nominalMemoryBytes: f.memory_gb * GB,
    memoryBandwidthBytesPerSecond: f.memory_bandwidth_gbps * GB,
    peakFlopsPerSecond,
    interconnect: {
      // A lone device never communicates; a conservative PCIe Gen4 x16 figure when the file is silent.
      bandwidthBytesPerSecond: (f.interconnect_bandwidth_gbps ?? 32) * GB,
      latencySeconds: (f.interconnect_latency_us ?? 10) * 1e-6,
      kind: f.interconnect ?? 'custom',
    },
    network:
      f.network_gbit_per_s === undefined
        ? undefined
        : { bandwidthBytesPerSecond: (f.network_gbit_per_s * 1e9) / 8, devicesPerNode: f.devices_per_node ?? 8, kind: f.network ?? 'custom' },
    source: [
      ...(f.source === undefined ? [] : Array.isArray(f.source) ? f.source : [f.source]),
      ...(f.memory_gib_source === undefined ? [] : [f.memory_gib_source]),
    ],
    notes: f.notes,
  }, ENGLISH_ISSUES);
}

/** The xpu's peak for a dtype; the refusal names the dtypes it has. */
export function peakFlopsFor(xpu: XpuSpec, dtype: Dtype): number {
  const peak = xpu.peakFlopsPerSecond[dtype];
  if (peak !== undefined) return peak;
  // fp16 and bf16 share tensor-core rates on every chip in the catalog; int4 weights run on fp4/int8 paths.
  const fallbacks: Partial<Record<Dtype, Dtype[]>> = { fp16: ['bf16'], bf16: ['fp16'], int4: ['fp4', 'int8'], fp4: ['int4'], mxfp4: ['fp4'] };
  for (const other of fallbacks[dtype] ?? []) {
    const p = xpu.peakFlopsPerSecond[other];
    if (p !== undefined) return p;
  }
  throw new RooflineError(
    'UNSUPPORTED_DTYPE',
    `xpu '${xpu.name}' has no ${dtype} tensor peak; it has ${Object.keys(xpu.peakFlopsPerSecond).join(', ')}`,
  );
}

/** FLOPs per byte at which the xpu turns from memory-bound to compute-bound. */
export function ridgePointFlopsPerByte(xpu: XpuSpec, dtype: Dtype = 'bf16'): number {
  return peakFlopsFor(xpu, dtype) / xpu.memoryBandwidthBytesPerSecond;
}
