import { RooflineError } from './errors.ts';
import { fromXpuFile, type XpuFile, type XpuSpec } from './xpu-spec.ts';

const NVIDIA_H100 = 'https://www.nvidia.com/en-us/data-center/h100/';
const NVIDIA_H200 = 'https://www.nvidia.com/en-us/data-center/h200/';
const NVIDIA_B200 = 'https://www.nvidia.com/en-us/data-center/dgx-b200/';
const NVIDIA_GB200 = 'https://www.nvidia.com/en-us/data-center/gb200-nvl72/';
const NVIDIA_A100 = 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf';
const NVIDIA_L40S = 'https://www.nvidia.com/en-us/data-center/l40s/';
const NVIDIA_L4 = 'https://www.nvidia.com/en-us/data-center/l4/';
const NVIDIA_SPARK = 'https://www.nvidia.com/en-us/products/workstations/dgx-spark/';
const AMD_MI300X = 'https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html';

/**
 * Built-in accelerators, from vendor spec sheets. Tensor figures are DENSE: the sheets print the
 * structured-sparsity figure first, which is twice these. Interconnect bandwidth is per direction
 * (NVLink's "900 GB/s" is bidirectional: 450 GB/s each way). Collective latencies are typical measured
 * small-message all-reduce times of the interconnect (a few microseconds on NVLink, more over PCIe or Ethernet).
 */
export const XPU_CATALOG = {
  gb10: {
    name: 'gb10', aliases: ['dgx-spark', 'spark'], vendor: 'nvidia',
    memory_gb: 128, memory_bandwidth_gbps: 273,
    // CUDA sees 121.69 GiB of the 128 GB unified pool; the OS keeps the rest.
    memory_gib: 121.69, memory_gib_source: 'https://github.com/unslothai/unsloth/issues/6757',
    // NVIDIA quotes 1 PFLOPS FP4 with sparsity; dense FP4 is half, and each wider dtype halves again.
    peak_tflops: { fp4: 500, fp8: 250, int8: 250, bf16: 125, fp16: 125 },
    interconnect: 'ConnectX-7 200 GbE', interconnect_bandwidth_gbps: 25, interconnect_latency_us: 30,
    source: [NVIDIA_SPARK],
    notes: '128 GB unified LPDDR5x shared by CPU and GPU; tensor figures derived from the 1 PFLOPS sparse FP4 headline.',
  },
  'h100-sxm': {
    name: 'h100-sxm', aliases: ['h100', 'h100-sxm5'], vendor: 'nvidia',
    memory_gb: 80, memory_bandwidth_gbps: 3350,
    // vLLM's own start-up log on an H100 80GB: "total_gpu_memory (79.10GiB) x gpu_memory_utilization (0.90)".
    memory_gib: 79.1, memory_gib_source: 'https://github.com/huggingface/trl/issues/2688',
    peak_tflops: { bf16: 989.4, fp16: 989.4, fp8: 1978.9, int8: 1978.9, fp32: 66.9 },
    interconnect: 'NVLink 4 (900 GB/s bidirectional)', interconnect_bandwidth_gbps: 450, interconnect_latency_us: 8,
    source: [NVIDIA_H100],
  },
  'h100-pcie': {
    name: 'h100-pcie', aliases: ['h100-pcie-80gb'], vendor: 'nvidia',
    memory_gb: 80, memory_bandwidth_gbps: 2000,
    peak_tflops: { bf16: 756, fp16: 756, fp8: 1513, int8: 1513, fp32: 51 },
    interconnect: 'PCIe Gen5 x16', interconnect_bandwidth_gbps: 64, interconnect_latency_us: 15,
    source: [NVIDIA_H100],
    notes: 'The 80 GB PCIe card, not the H100 NVL (94 GB, 3.9 TB/s). Memory: spec-sheet 80e9 bytes; no device-reported total found.',
  },
  h200: {
    name: 'h200', aliases: ['h200-sxm'], vendor: 'nvidia',
    memory_gb: 141, memory_bandwidth_gbps: 4800,
    peak_tflops: { bf16: 989.4, fp16: 989.4, fp8: 1978.9, int8: 1978.9, fp32: 66.9 },
    interconnect: 'NVLink 4 (900 GB/s bidirectional)', interconnect_bandwidth_gbps: 450, interconnect_latency_us: 8,
    source: [NVIDIA_H200],
    notes: 'Memory: spec-sheet 141e9 bytes; no cited device-reported total yet (CUDA reports about 139.8 GiB).',
  },
  b200: {
    name: 'b200', aliases: ['hgx-b200'], vendor: 'nvidia',
    memory_gb: 180, memory_bandwidth_gbps: 8000,
    peak_tflops: { bf16: 2250, fp16: 2250, fp8: 4500, int8: 4500, fp4: 9000, fp32: 75 },
    interconnect: 'NVLink 5 (1.8 TB/s bidirectional)', interconnect_bandwidth_gbps: 900, interconnect_latency_us: 8,
    source: [NVIDIA_B200],
    notes: 'DGX B200: 1,440 GB and 64 TB/s over 8 GPUs; 72 PFLOPS FP8 sparse over 8 GPUs. Memory: spec-sheet 180e9 bytes; no cited device-reported total yet.',
  },
  gb200: {
    name: 'gb200', aliases: ['gb200-nvl72'], vendor: 'nvidia',
    memory_gb: 186, memory_bandwidth_gbps: 8000,
    peak_tflops: { bf16: 2500, fp16: 2500, fp8: 5000, int8: 5000, fp4: 10000, fp32: 80 },
    interconnect: 'NVLink 5 (1.8 TB/s bidirectional)', interconnect_bandwidth_gbps: 900, interconnect_latency_us: 8,
    source: [NVIDIA_GB200],
    notes: 'Per Blackwell GPU of a GB200 NVL72 rack (13.4 TB HBM3e, 576 TB/s, 1,440 PFLOPS FP4 sparse over 72 GPUs). Memory: spec-sheet 186e9 bytes; no device-reported total found.',
  },
  'a100-40gb': {
    name: 'a100-40gb', aliases: ['a100-sxm4-40gb'], vendor: 'nvidia',
    memory_gb: 40, memory_bandwidth_gbps: 1555,
    // deviceQuery on an A100-SXM4-40GB: "Total amount of global memory: 40339 MBytes (42298834944 bytes)".
    memory_gib: 42298834944 / 1024 ** 3, memory_gib_source: 'https://github.com/bottlerocket-os/bottlerocket/pull/3873',
    peak_tflops: { bf16: 312, fp16: 312, int8: 624, fp32: 19.5 },
    interconnect: 'NVLink 3 (600 GB/s bidirectional)', interconnect_bandwidth_gbps: 300, interconnect_latency_us: 10,
    source: [NVIDIA_A100],
  },
  'a100-80gb': {
    name: 'a100-80gb', aliases: ['a100', 'a100-sxm4-80gb'], vendor: 'nvidia',
    memory_gb: 80, memory_bandwidth_gbps: 2039,
    // nvidia-smi's total, 81920 MiB; CUDA reports a little less (about 0.6 GiB on the 40 GB card).
    memory_gib: 81920 / 1024, memory_gib_source: 'https://github.com/modal-labs/modal-client/pull/2797',
    peak_tflops: { bf16: 312, fp16: 312, int8: 624, fp32: 19.5 },
    interconnect: 'NVLink 3 (600 GB/s bidirectional)', interconnect_bandwidth_gbps: 300, interconnect_latency_us: 10,
    source: [NVIDIA_A100],
  },
  l40s: {
    name: 'l40s', aliases: [], vendor: 'nvidia',
    memory_gb: 48, memory_bandwidth_gbps: 864,
    // nvidia-smi's total, 46068 MiB.
    memory_gib: 46068 / 1024, memory_gib_source: 'https://github.com/modal-labs/modal-client/pull/2797',
    peak_tflops: { bf16: 362.05, fp16: 362.05, fp8: 733, int8: 733, fp32: 91.6 },
    interconnect: 'PCIe Gen4 x16', interconnect_bandwidth_gbps: 32, interconnect_latency_us: 20,
    source: [NVIDIA_L40S],
  },
  l4: {
    name: 'l4', aliases: [], vendor: 'nvidia',
    memory_gb: 24, memory_bandwidth_gbps: 300,
    // nvidia-smi's total, 23034 MiB.
    memory_gib: 23034 / 1024, memory_gib_source: 'https://github.com/modal-labs/modal-client/pull/2797',
    peak_tflops: { bf16: 121, fp16: 121, fp8: 242.5, int8: 242.5, fp32: 30.3 },
    interconnect: 'PCIe Gen4 x16', interconnect_bandwidth_gbps: 32, interconnect_latency_us: 20,
    source: [NVIDIA_L4],
  },
  mi300x: {
    name: 'mi300x', aliases: ['amd-mi300x'], vendor: 'amd',
    memory_gb: 192, memory_bandwidth_gbps: 5300,
    peak_tflops: { bf16: 1307.4, fp16: 1307.4, fp8: 2614.9, int8: 2614.9, fp32: 163.4 },
    interconnect: 'Infinity Fabric (7 x 64 GB/s per direction)', interconnect_bandwidth_gbps: 448, interconnect_latency_us: 10,
    source: [AMD_MI300X],
    notes: 'Memory: spec-sheet 192e9 bytes; no cited device-reported total yet.',
  },
} as const satisfies Record<string, XpuFile>;

export type CatalogXpuName = keyof typeof XPU_CATALOG;
/** Every other name a catalog xpu answers to. */
export type CatalogXpuAlias = NonNullable<(typeof XPU_CATALOG)[CatalogXpuName]['aliases']>[number];
/** What `getXpu` takes: completion for the catalog's names and aliases, any other string accepted too. */
export type XpuNameOrAlias = CatalogXpuName | CatalogXpuAlias | (string & {});

const byName = new Map<string, CatalogXpuName>();
for (const [name, entry] of Object.entries(XPU_CATALOG) as [CatalogXpuName, XpuFile][]) {
  byName.set(name, name);
  for (const alias of entry.aliases ?? []) byName.set(alias, name);
}

export function listXpus(): XpuSpec[] {
  return (Object.values(XPU_CATALOG) as XpuFile[]).map(fromXpuFile);
}

export function findXpu(nameOrAlias: XpuNameOrAlias): XpuSpec | undefined {
  const name = byName.get(nameOrAlias.toLowerCase());
  return name ? fromXpuFile(XPU_CATALOG[name] as XpuFile) : undefined;
}

/** A built-in xpu by name or alias; an unknown name is refused with the list of known ones. */
export function getXpu(nameOrAlias: XpuNameOrAlias): XpuSpec {
  const xpu = findXpu(nameOrAlias);
  if (!xpu) {
    throw new RooflineError(
      'UNKNOWN_XPU',
      `unknown xpu '${nameOrAlias}'; known: ${Object.keys(XPU_CATALOG).join(', ')} (or a path to an xpu JSON file)`,
    );
  }
  return xpu;
}
