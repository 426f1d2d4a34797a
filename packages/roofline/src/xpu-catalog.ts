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
const NVIDIA_HGX = 'https://www.nvidia.com/en-us/data-center/hgx/';
const NVIDIA_GB300 = 'https://www.nvidia.com/en-us/data-center/gb300-nvl72/';
const NVIDIA_H20 = 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/hgx/nvidia-hgx-h20-datasheet.pdf';
const NVIDIA_H800 = 'https://www.nvidia.com/en-us/data-center/h800/';
const NVIDIA_RTX_PRO_6000 = 'https://www.nvidia.com/en-us/data-center/rtx-pro-6000-blackwell-server-edition/';
const AMD_MI325X = 'https://www.amd.com/en/products/accelerators/instinct/mi300/mi325x.html';
const AMD_MI355X = 'https://www.amd.com/en/products/accelerators/instinct/mi350/mi355x.html';
const INTEL_GAUDI3 = 'https://www.intel.com/content/www/us/en/content-details/817486/intel-gaudi-3-ai-accelerator-white-paper.html';
const GOOGLE_TPU_V5E = 'https://cloud.google.com/tpu/docs/v5e';
const GOOGLE_TPU_V6E = 'https://cloud.google.com/tpu/docs/v6e';
/** DGX H100, H200 and B200: eight single-port ConnectX-7, up to 400 Gb/s each, for the compute fabric. */
const NVIDIA_DGX_BASEPOD = 'https://docs.nvidia.com/dgx-basepod/reference-architecture-infrastructure-foundation-enterprise-ai/latest/core-components.html';
/** DGX GB200 compute tray (4 GPUs): 4x ConnectX-7 single-port 400G OSFP for the cluster network. */
const NVIDIA_DGX_GB200 = 'https://docs.nvidia.com/dgx/dgxgb200-user-guide/hardware.html';
/** DGX A100: eight single-port ConnectX-6 200 Gb/s HDR InfiniBand for the compute fabric. */
const NVIDIA_DGX_A100 = 'https://developer.nvidia.com/blog/defining-ai-innovation-with-dgx-a100/';

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
    network: 'ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [NVIDIA_H100, NVIDIA_DGX_BASEPOD],
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
    network: 'ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [NVIDIA_H200, NVIDIA_DGX_BASEPOD],
    notes: 'Memory: spec-sheet 141e9 bytes; no cited device-reported total yet (CUDA reports about 139.8 GiB).',
  },
  b200: {
    name: 'b200', aliases: ['hgx-b200'], vendor: 'nvidia',
    memory_gb: 180, memory_bandwidth_gbps: 8000,
    // nvidia-smi on an 8 x B200 node (driver 580.95.05): "183359MiB" total per GPU, 179.06 GiB.
    memory_gib: 183359 / 1024, memory_gib_source: 'https://github.com/NVIDIA/TensorRT-LLM/issues/10278',
    peak_tflops: { bf16: 2250, fp16: 2250, fp8: 4500, int8: 4500, fp4: 9000, fp32: 75 },
    interconnect: 'NVLink 5 (1.8 TB/s bidirectional)', interconnect_bandwidth_gbps: 900, interconnect_latency_us: 8,
    network: 'ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [NVIDIA_B200, NVIDIA_DGX_BASEPOD],
    notes: 'DGX B200: 1,440 GB and 64 TB/s over 8 GPUs; 72 PFLOPS FP8 sparse over 8 GPUs. Memory: the nvidia-smi total (CUDA reports about 0.7 GiB less, 178.35 GiB).',
  },
  gb200: {
    name: 'gb200', aliases: ['gb200-nvl72'], vendor: 'nvidia',
    memory_gb: 186, memory_bandwidth_gbps: 8000,
    peak_tflops: { bf16: 2500, fp16: 2500, fp8: 5000, int8: 5000, fp4: 10000, fp32: 80 },
    interconnect: 'NVLink 5 (1.8 TB/s bidirectional)', interconnect_bandwidth_gbps: 900, interconnect_latency_us: 8,
    network: 'ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 72,
    source: [NVIDIA_GB200, NVIDIA_DGX_GB200],
    notes: 'Per Blackwell GPU of a GB200 NVL72 rack (13.4 TB HBM3e, 576 TB/s, 1,440 PFLOPS FP4 sparse over 72 GPUs). Memory: spec-sheet 186e9 bytes; no device-reported total found.',
  },
  'a100-40gb': {
    name: 'a100-40gb', aliases: ['a100-sxm4-40gb'], vendor: 'nvidia',
    memory_gb: 40, memory_bandwidth_gbps: 1555,
    // deviceQuery on an A100-SXM4-40GB: "Total amount of global memory: 40339 MBytes (42298834944 bytes)".
    memory_gib: 42298834944 / 1024 ** 3, memory_gib_source: 'https://github.com/bottlerocket-os/bottlerocket/pull/3873',
    peak_tflops: { bf16: 312, fp16: 312, int8: 624, fp32: 19.5 },
    interconnect: 'NVLink 3 (600 GB/s bidirectional)', interconnect_bandwidth_gbps: 300, interconnect_latency_us: 10,
    network: 'ConnectX-6 HDR (200 Gb/s per GPU)', network_gbit_per_s: 200, devices_per_node: 8,
    source: [NVIDIA_A100, NVIDIA_DGX_A100],
  },
  'a100-80gb': {
    name: 'a100-80gb', aliases: ['a100', 'a100-sxm4-80gb'], vendor: 'nvidia',
    memory_gb: 80, memory_bandwidth_gbps: 2039,
    // nvidia-smi's total, 81920 MiB; CUDA reports a little less (about 0.6 GiB on the 40 GB card).
    memory_gib: 81920 / 1024, memory_gib_source: 'https://github.com/modal-labs/modal-client/pull/2797',
    peak_tflops: { bf16: 312, fp16: 312, int8: 624, fp32: 19.5 },
    interconnect: 'NVLink 3 (600 GB/s bidirectional)', interconnect_bandwidth_gbps: 300, interconnect_latency_us: 10,
    network: 'ConnectX-6 HDR (200 Gb/s per GPU)', network_gbit_per_s: 200, devices_per_node: 8,
    source: [NVIDIA_A100, NVIDIA_DGX_A100],
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
    // rocminfo on an MI300X (gfx942): the GPU's GLOBAL memory pool "Size: 201310208(0xbffc000) KB", 191.98 GiB.
    memory_gib: 201310208 / 1024 ** 2, memory_gib_source: 'https://github.com/ROCm/legacy-rocm-build/issues/4414',
    peak_tflops: { bf16: 1307.4, fp16: 1307.4, fp8: 2614.9, int8: 2614.9, fp32: 163.4 },
    interconnect: 'Infinity Fabric (7 x 64 GB/s per direction)', interconnect_bandwidth_gbps: 448, interconnect_latency_us: 10,
    source: [AMD_MI300X],
  },
  b300: {
    name: 'b300', aliases: ['hgx-b300', 'b300-sxm'], vendor: 'nvidia',
    memory_gb: 288, memory_bandwidth_gbps: 8000,
    // HGX B300 (8 GPUs): 108 PFLOPS dense FP4 (NVFP4), 72 PFLOPS FP8 and 36 PFLOPS FP16/BF16 with sparsity. Blackwell
    // Ultra cuts INT8 and FP64 tensor rates, so int8 is not listed.
    peak_tflops: { fp4: 13500, fp8: 4500, bf16: 2250, fp16: 2250, fp32: 75 },
    interconnect: 'NVLink 5 (1.8 TB/s bidirectional)', interconnect_bandwidth_gbps: 900, interconnect_latency_us: 8,
    network: 'ConnectX-8 SuperNIC (800 Gb/s per GPU)', network_gbit_per_s: 800, devices_per_node: 8,
    source: [NVIDIA_HGX],
    notes: 'Per GPU of an HGX B300 board (2.3 TB HBM3e over 8 GPUs). Memory: spec-sheet 288e9 bytes; no device-reported total found.',
  },
  gb300: {
    name: 'gb300', aliases: ['gb300-nvl72'], vendor: 'nvidia',
    memory_gb: 279, memory_bandwidth_gbps: 8000,
    // GB300 NVL72: 1,080 PFLOPS dense FP4, 720 PFLOPS FP8 and 360 PFLOPS BF16 with sparsity, over 72 GPUs.
    peak_tflops: { fp4: 15000, fp8: 5000, bf16: 2500, fp16: 2500, fp32: 80 },
    interconnect: 'NVLink 5 (1.8 TB/s bidirectional), 72 GPUs in one domain', interconnect_bandwidth_gbps: 900, interconnect_latency_us: 8,
    network: 'ConnectX-8 SuperNIC (800 Gb/s per GPU)', network_gbit_per_s: 800, devices_per_node: 72,
    source: [NVIDIA_GB300],
    notes: 'Per Blackwell Ultra GPU of a GB300 NVL72 rack (up to 20.1 TB HBM3e, 576 TB/s over 72 GPUs). Memory: spec-sheet 20.1 TB / 72; no device-reported total found.',
  },
  h20: {
    name: 'h20', aliases: ['hgx-h20'], vendor: 'nvidia',
    memory_gb: 96, memory_bandwidth_gbps: 4000,
    memory_gib: 97871 / 1024, memory_gib_source: 'https://github.com/deepseek-ai/DeepEP/issues/17',
    // The export-compliant Hopper: 148 TFLOPS dense BF16, 296 FP8/INT8.
    peak_tflops: { bf16: 148, fp16: 148, fp8: 296, int8: 296, fp32: 44 },
    interconnect: 'NVLink 4 (900 GB/s bidirectional)', interconnect_bandwidth_gbps: 450, interconnect_latency_us: 8,
    network: 'ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [NVIDIA_H20],
    notes: 'Memory: the nvidia-smi total, 97,871 MiB (the same on 8 H20s in NVIDIA/nvtrust#128).',
  },
  h800: {
    name: 'h800', aliases: ['h800-sxm'], vendor: 'nvidia',
    memory_gb: 80, memory_bandwidth_gbps: 3350,
    // H100 SXM's compute with NVLink cut to 400 GB/s (bidirectional).
    peak_tflops: { bf16: 989.4, fp16: 989.4, fp8: 1978.9, int8: 1978.9, fp32: 66.9 },
    interconnect: 'NVLink (400 GB/s bidirectional)', interconnect_bandwidth_gbps: 200, interconnect_latency_us: 8,
    network: 'ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [NVIDIA_H800],
    notes: 'Memory: spec-sheet 80e9 bytes; no device-reported total found.',
  },
  'rtx-pro-6000': {
    name: 'rtx-pro-6000', aliases: ['rtx-pro-6000-blackwell', 'rtx-pro-6000-server'], vendor: 'nvidia',
    memory_gb: 96, memory_bandwidth_gbps: 1597,
    // NVIDIA quotes 4 PFLOPS FP4 with sparsity (about 4,000 "AI TOPS"); dense FP4 is half, each wider dtype halves again.
    peak_tflops: { fp4: 2000, fp8: 1000, int8: 1000, bf16: 500, fp16: 500, fp32: 120 },
    interconnect: 'PCIe Gen5 x16', interconnect_bandwidth_gbps: 64, interconnect_latency_us: 15,
    network: 'ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [NVIDIA_RTX_PRO_6000],
    notes: 'Server Edition (96 GB GDDR7, 1,597 GB/s; the Workstation Edition runs its memory at 1,792 GB/s). Tensor figures derived from the sparse FP4 headline. Memory: spec-sheet 96e9 bytes; no device-reported total found.',
  },
  mi325x: {
    name: 'mi325x', aliases: ['amd-mi325x'], vendor: 'amd',
    memory_gb: 256, memory_bandwidth_gbps: 6000,
    peak_tflops: { bf16: 1307.4, fp16: 1307.4, fp8: 2614.9, int8: 2614.9, fp32: 163.4 },
    interconnect: 'Infinity Fabric (7 x 64 GB/s per direction)', interconnect_bandwidth_gbps: 448, interconnect_latency_us: 10,
    network: 'Pollara / ConnectX-7 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [AMD_MI325X],
    notes: 'Memory: spec-sheet 256e9 bytes; no device-reported total found.',
  },
  mi355x: {
    name: 'mi355x', aliases: ['amd-mi355x'], vendor: 'amd',
    memory_gb: 288, memory_bandwidth_gbps: 8000,
    // CDNA 4: dense 2.5 PF FP16/BF16, 5.0 PF FP8, 10.1 PF MXFP4/MXFP6.
    peak_tflops: { bf16: 2516.6, fp16: 2516.6, fp8: 5033.2, int8: 5033.2, fp4: 10066.3, fp32: 157.3 },
    interconnect: 'Infinity Fabric (7 x 76.8 GB/s per direction)', interconnect_bandwidth_gbps: 537.6, interconnect_latency_us: 10,
    network: 'Pollara 400 (400 Gb/s per GPU)', network_gbit_per_s: 400, devices_per_node: 8,
    source: [AMD_MI355X],
    notes: 'Memory: spec-sheet 288e9 bytes; no device-reported total found.',
  },
  gaudi3: {
    name: 'gaudi3', aliases: ['intel-gaudi3', 'hl-325l'], vendor: 'intel',
    memory_gb: 128, memory_bandwidth_gbps: 3700,
    // Matrix engines: 1,835 TFLOPS dense BF16 and FP8.
    peak_tflops: { bf16: 1835, fp16: 1835, fp8: 1835, fp32: 229 },
    interconnect: '24 x 200 GbE RoCE on die (21 for scale-up in an 8-card node)', interconnect_bandwidth_gbps: 525, interconnect_latency_us: 15,
    network: '3 x 200 GbE per card for scale-out', network_gbit_per_s: 600, devices_per_node: 8,
    source: [INTEL_GAUDI3],
    notes: 'OAM HL-325L. Memory: spec-sheet 128e9 bytes; no device-reported total found.',
  },
  'tpu-v5e': {
    name: 'tpu-v5e', aliases: ['v5e', 'v5litepod'], vendor: 'google',
    memory_gb: 16, memory_bandwidth_gbps: 819,
    peak_tflops: { bf16: 197, int8: 394 },
    // ICI: 1,600 Gbps per chip over 4 links, about 100 GB/s each way.
    interconnect: 'ICI (1,600 Gbps per chip, 2D torus)', interconnect_bandwidth_gbps: 100, interconnect_latency_us: 10,
    network: 'data-center network (DCN) per host', network_gbit_per_s: 50, devices_per_node: 256,
    source: [GOOGLE_TPU_V5E],
    notes: 'Per chip; a v5e pod slice joins up to 256 chips on ICI. Memory: spec-sheet 16e9 bytes; no device-reported total found.',
  },
  'tpu-v6e': {
    name: 'tpu-v6e', aliases: ['v6e', 'trillium'], vendor: 'google',
    memory_gb: 32, memory_bandwidth_gbps: 1640,
    peak_tflops: { bf16: 918, int8: 1836 },
    // ICI: 3,584 Gbps per chip, about 224 GB/s each way.
    interconnect: 'ICI (3,584 Gbps per chip, 2D torus)', interconnect_bandwidth_gbps: 224, interconnect_latency_us: 10,
    network: 'data-center network (DCN) per host', network_gbit_per_s: 100, devices_per_node: 256,
    source: [GOOGLE_TPU_V6E],
    notes: 'Per chip; a v6e pod slice joins up to 256 chips on ICI. Memory: spec-sheet 32e9 bytes; no device-reported total found.',
  },
} as const satisfies Record<string, XpuFile>;

/** The canonical name of a catalog accelerator, e.g. `h100-sxm`. */
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

/** Every catalog accelerator, in catalog order. */
export function listXpus(): XpuSpec[] {
  return (Object.values(XPU_CATALOG) as XpuFile[]).map(fromXpuFile);
}

/** A catalog accelerator by name or alias (case-insensitive); undefined when there is none (`getXpu` throws instead). */
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
