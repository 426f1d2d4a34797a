import { describe, expect, it } from 'vitest';
import { getXpu, listXpus, XPU_CATALOG } from './xpu-catalog.ts';
import { parseXpuSpec, peakFlopsFor, ridgePointFlopsPerByte, type XpuFile } from './xpu-spec.ts';

describe('xpu catalog', () => {
  it('has the H100 SXM spec sheet figures: 80 GB at 3.35 TB/s, 989.4 dense BF16 TFLOPS (1,979 with sparsity)', () => {
    const h100 = getXpu('h100');
    expect(h100.name).toBe('h100-sxm');
    expect(h100.nominalMemoryBytes).toBe(80e9);
    // What CUDA reports and vLLM sizes its cache from: 79.10 GiB, cited.
    expect(h100.memoryBytes).toBe(79.1 * 1024 ** 3);
    expect(h100.source).toContain('https://github.com/huggingface/trl/issues/2688');
    expect(h100.memoryBandwidthBytesPerSecond).toBe(3.35e12);
    expect(h100.peakFlopsPerSecond.bf16).toBeCloseTo(989.4e12, -9);
    expect(h100.peakFlopsPerSecond.fp8).toBeCloseTo(1978.9e12, -9);
    // NVLink 4's 900 GB/s is both directions together.
    expect(h100.interconnect.bandwidthBytesPerSecond).toBe(450e9);
  });

  it('has the DGX Spark (GB10): 128 GB unified LPDDR5x at 273 GB/s', () => {
    const gb10 = getXpu('dgx-spark');
    expect(gb10.name).toBe('gb10');
    expect(gb10.nominalMemoryBytes).toBe(128e9);
    // CUDA sees 121.69 GiB of the unified pool.
    expect(gb10.memoryBytes).toBe(121.69 * 1024 ** 3);
    expect(gb10.memoryBandwidthBytesPerSecond).toBe(273e9);
    // The 1 PFLOPS headline is sparse FP4.
    expect(gb10.peakFlopsPerSecond.fp4).toBe(500e12);
  });

  it('has the A100 80GB (alias a100) without FP8 tensor cores, and MI300X at 192 GB (191.98 GiB as rocminfo reports it) and 5.3 TB/s', () => {
    const a100 = getXpu('a100');
    expect(a100.name).toBe('a100-80gb');
    expect(a100.memoryBandwidthBytesPerSecond).toBe(2.039e12);
    expect(a100.peakFlopsPerSecond.bf16).toBe(312e12);
    expect(() => peakFlopsFor(a100, 'fp8')).toThrow(/xpu 'a100-80gb' has no fp8 tensor peak; it has bf16, fp16, int8, fp32/);
    const mi300x = getXpu('mi300x');
    // rocminfo's GLOBAL pool, 201310208 KB: 206.1e9 bytes, 7% more than the headline's 192e9.
    expect(mi300x.memoryBytes).toBe(201310208 * 1024);
    // nvidia-smi on a B200: 183359 MiB (192.3e9 bytes), not 180e9.
    expect(getXpu('b200').memoryBytes).toBe(183359 * 2 ** 20);
    // H20: the nvidia-smi total, cited (KV blocks are sized from it, not from the 96 GB headline).
    expect(getXpu('h20').memoryBytes).toBe(97871 * 2 ** 20);
    expect(mi300x.memoryBandwidthBytesPerSecond).toBe(5.3e12);
    expect(mi300x.peakFlopsPerSecond.bf16).toBeCloseTo(1307.4e12, -9);
  });

  it('lists every promised xpu, each with a spec-sheet URL', () => {
    const names = listXpus().map((x) => x.name);
    expect(names).toEqual([
      'gb10', 'h100-sxm', 'h100-pcie', 'h200', 'b200', 'gb200', 'a100-40gb', 'a100-80gb', 'l40s', 'l4', 'mi300x',
      'b300', 'gb300', 'h20', 'h800', 'rtx-pro-6000', 'mi325x', 'mi355x', 'gaudi3', 'tpu-v5e', 'tpu-v6e',
    ]);
    for (const xpu of listXpus()) {
      expect(xpu.source.length).toBeGreaterThan(0);
      expect(xpu.source.every((url) => url.startsWith('https://'))).toBe(true);
    }
  });

  it('stores memory as the device reports it, each reported figure cited, and says so where none was found', () => {
    for (const [name, entry] of Object.entries(XPU_CATALOG) as [string, XpuFile][]) {
      const xpu = getXpu(name);
      if (entry.memory_gib !== undefined) {
        expect(entry.memory_gib_source, name).toMatch(/^https:\/\//);
        expect(xpu.source, name).toContain(entry.memory_gib_source);
        // A reported total sits within a few percent of the headline, below it in GiB (1 GiB = 1.074 GB).
        expect(entry.memory_gib * 1024 ** 3 / (entry.memory_gb * 1e9), name).toBeGreaterThan(0.95);
        expect(entry.memory_gib, name).toBeLessThanOrEqual(entry.memory_gb);
      } else {
        expect(entry.notes, name).toMatch(/no (cited )?device-reported total/);
        expect(xpu.memoryBytes).toBe(entry.memory_gb * 1e9);
      }
    }
  });

  it('refuses an unknown xpu with the list of known ones', () => {
    expect(() => getXpu('h10')).toThrow(expect.objectContaining({ code: 'UNKNOWN_XPU', message: expect.stringMatching(/unknown xpu 'h10'; known: gb10, h100-sxm, /) }));
  });

  it('puts the H100 ridge point at 989.4 TFLOPS / 3.35 TB/s = 295 FLOPs per byte in BF16', () => {
    expect(ridgePointFlopsPerByte(getXpu('h100-sxm'), 'bf16')).toBeCloseTo(989.4e12 / 3.35e12, 6);
    expect(ridgePointFlopsPerByte(getXpu('h100-sxm'), 'fp8')).toBeCloseTo((2 * 989.4e12) / 3.35e12, 0);
  });
});

describe('parseXpuSpec', () => {
  it('reads the friendly custom xpu file into SI units', () => {
    const xpu = parseXpuSpec({
      name: 'my-gpu',
      memory_gb: 96,
      memory_bandwidth_gbps: 4000,
      peak_tflops: { bf16: 800, fp8: 1600 },
      interconnect_bandwidth_gbps: 400,
      interconnect_latency_us: 8,
      source: 'https://example.com/spec-sheet.pdf',
    });
    expect(xpu).toMatchObject({
      name: 'my-gpu',
      memoryBytes: 96e9,
      nominalMemoryBytes: 96e9,
      memoryBandwidthBytesPerSecond: 4e12,
      peakFlopsPerSecond: { bf16: 800e12, fp8: 1600e12 },
      interconnect: { bandwidthBytesPerSecond: 400e9, latencySeconds: 8e-6 },
      source: ['https://example.com/spec-sheet.pdf'],
    });
    expect(peakFlopsFor(xpu, 'fp16')).toBe(800e12);
  });

  it('takes the reported memory in GiB when the file gives it', () => {
    const xpu = parseXpuSpec({ name: 'x', memory_gb: 80, memory_gib: 79.1, memory_gib_source: 'https://example.com/log', memory_bandwidth_gbps: 1000, peak_tflops: { bf16: 100 } });
    expect(xpu.memoryBytes).toBe(79.1 * 1024 ** 3);
    expect(xpu.nominalMemoryBytes).toBe(80e9);
    expect(xpu.source).toEqual(['https://example.com/log']);
  });

  it('names the missing or invalid key of a malformed file', () => {
    expect(() => parseXpuSpec({ name: 'x', memory_gb: 80, peak_tflops: { bf16: 100 } }, 'x.json')).toThrow(
      expect.objectContaining({ code: 'INVALID_XPU_SPEC', message: expect.stringMatching(/x\.json is not a valid xpu spec: memory_bandwidth_gbps/) }),
    );
    expect(() => parseXpuSpec({ name: 'x', memory_gb: 80, memory_bandwidth_gbps: 1000, peak_tflops: { bf15: 100 } })).toThrow(/peak_tflops/);
    expect(() => parseXpuSpec({ name: 'x', memory_gb: -1, memory_bandwidth_gbps: 1000, peak_tflops: { bf16: 1 } })).toThrow(/memory_gb/);
  });
});

describe('accelerators people buy now', () => {
  it('lists b300, gb300, h20, h800, rtx-pro-6000, mi325x, mi355x, gaudi3, tpu-v5e and tpu-v6e with spec sheets, dense peaks and a per-device NIC', () => {
    for (const name of ['b300', 'gb300', 'h20', 'h800', 'rtx-pro-6000', 'mi325x', 'mi355x', 'gaudi3', 'tpu-v5e', 'tpu-v6e']) {
      const xpu = getXpu(name);
      expect(xpu.source[0], name).toMatch(/^https:\/\/(www\.nvidia\.com|www\.amd\.com|www\.intel\.com|cloud\.google\.com)\//);
      expect(xpu.peakFlopsPerSecond.bf16, name).toBeGreaterThan(0);
      expect(xpu.network?.bandwidthBytesPerSecond, name).toBeGreaterThan(0);
    }
    // fp4 where the silicon has it (Blackwell, CDNA 4), fp8 where it has that.
    expect(getXpu('b300').peakFlopsPerSecond.fp4).toBe(13_500e12);
    expect(getXpu('mi355x').peakFlopsPerSecond.fp4).toBeCloseTo(10_066.3e12, -9);
    expect(getXpu('h20').peakFlopsPerSecond.fp8).toBe(296e12);
    expect(getXpu('tpu-v5e').peakFlopsPerSecond.fp8).toBeUndefined();
    // The H20 trades compute for bandwidth: its ridge point is 37 FLOP/byte against the H100's 295.
    expect(getXpu('h20').peakFlopsPerSecond.bf16! / getXpu('h20').memoryBandwidthBytesPerSecond).toBeCloseTo(37, 0);
    expect(getXpu('gb300').network?.devicesPerNode).toBe(72);
  });
});

describe('the scale-out network of the earlier datacenter xpus', () => {
  it('gives H100, H200 and B200 (DGX: 8 x ConnectX-7 400 Gb/s), GB200 (4 per 4-GPU tray, 72 per NVLink domain) and A100 (8 x ConnectX-6 200 Gb/s) a cited per-GPU NIC', () => {
    for (const [name, gbit, perNode, doc] of [
      ['h100-sxm', 400, 8, 'dgx-basepod'],
      ['h200', 400, 8, 'dgx-basepod'],
      ['b200', 400, 8, 'dgx-basepod'],
      ['gb200', 400, 72, 'dgxgb200-user-guide'],
      ['a100-40gb', 200, 8, 'dgx-a100'],
      ['a100-80gb', 200, 8, 'dgx-a100'],
    ] as const) {
      const xpu = getXpu(name);
      expect(xpu.network, name).toMatchObject({ bandwidthBytesPerSecond: (gbit * 1e9) / 8, devicesPerNode: perNode });
      expect(xpu.source.some((url) => url.includes(doc)), name).toBe(true);
    }
  });
});
