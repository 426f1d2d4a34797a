import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_FORMAT_VERSION,
  checkCalibrationMatch,
  parseCalibrationFile,
  serializeCalibration,
  toEffectiveRoofline,
  toRooflineParameters,
  type RooflineParameters,
} from './calibration-file.ts';
import { fitRooflineParameters } from './estimator.ts';
import { DECODE_SHAPES, H100_PEAK, PREFILL_SHAPES, synthesise } from './__fixtures__/synthetic.ts';

const prefillTruth = { flopsPerSecond: 610e12, bandwidthBytesPerSecond: 2.4e12, overheadSeconds: 0.0021 };
const decodeTruth = { flopsPerSecond: 300e12, bandwidthBytesPerSecond: 2.6e12, overheadSeconds: 0.0043 };
const fit = fitRooflineParameters([...synthesise('prefill', prefillTruth, PREFILL_SHAPES), ...synthesise('decode', decodeTruth, DECODE_SHAPES)], H100_PEAK);
const meta = { model: 'llama-2-70b', xpu: 'h100-sxm', tp: 4, createdAt: '2026-11-24T00:00:00Z', files: ['benchmark_data/processed/h100-sxm/llama-2-70b/synthetic.json'] };
const params = toRooflineParameters(fit, meta);

const withoutField = (path: string[]): string => {
  const json = JSON.parse(serializeCalibration(params));
  let node = json;
  for (const key of path.slice(0, -1)) node = node[key];
  delete node[path[path.length - 1]];
  return JSON.stringify(json);
};

describe('calibration file', () => {
  it('holds the fitted figures in the units its keys name, with the fit summary', () => {
    expect(params.format_version).toBe(1);
    expect(params.prefill.effective_tflops).toBeCloseTo(610, 2);
    expect(params.prefill.effective_bandwidth_gb_per_s).toBeCloseTo(2400, 1);
    expect(params.decode.overhead_ms).toBeCloseTo(4.3, 4);
    expect(params).toMatchObject({ pp: 1, dtype: 'bf16', engine: 'vllm', engine_version: null, source: { files: meta.files, description: '' } });
    expect(params.fit).toMatchObject({ points: PREFILL_SHAPES.length + DECODE_SHAPES.length, prefill_points: PREFILL_SHAPES.length, excluded: 0, notes: [] });
    expect(params.fit.decode_r2).toBeGreaterThan(0.9999);
  });

  it('round-trips through its JSON text', () => {
    const text = serializeCalibration(params);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual(['format_version', 'model', 'xpu', 'tp', 'pp', 'dtype', 'engine', 'engine_version', 'created_at', 'prefill', 'decode', 'fit', 'source']);
    expect(parseCalibrationFile(text, 'cal.json')).toEqual(params);
  });

  it('converts to SI units in the shape the roofline takes', () => {
    expect(toEffectiveRoofline(params)).toEqual({
      prefill: { flopsPerSecond: params.prefill.effective_tflops * 1e12, bandwidthBytesPerSecond: params.prefill.effective_bandwidth_gb_per_s * 1e9, overheadSeconds: params.prefill.overhead_ms / 1000 },
      decode: { flopsPerSecond: params.decode.effective_tflops * 1e12, bandwidthBytesPerSecond: params.decode.effective_bandwidth_gb_per_s * 1e9, overheadSeconds: params.decode.overhead_ms / 1000 },
    });
  });

  it('fills the optional fields of a minimal hand-written file with their defaults', () => {
    const minimal = {
      format_version: 1, model: 'llama-2-70b', xpu: 'h100-sxm', tp: 4, created_at: '2024-05-01',
      prefill: { effective_tflops: 367, effective_bandwidth_gbps: 751, overhead_ms: 0 },
      decode: { effective_tflops: 45.8, effective_bandwidth_gbps: 1231, overhead_ms: 0 },
      fit: { prefill_mape: 0.045, decode_mape: 0.013, prefill_r2: 0.997, decode_r2: 0.997, points: 10, excluded: 0 },
      source: {},
    };
    expect(parseCalibrationFile(JSON.stringify(minimal))).toMatchObject({ pp: 1, dtype: 'bf16', engine: 'vllm', engine_version: null, source: { files: [], description: '' }, fit: { notes: [] } });
  });

  it('names the bandwidth in its unit, effective_bandwidth_gb_per_s (gigabytes per second), and reads the old effective_bandwidth_gbps as the same', () => {
    const written = JSON.parse(serializeCalibration(params));
    expect(Object.keys(written.decode)).toEqual(['effective_tflops', 'effective_bandwidth_gb_per_s', 'overhead_ms']);
    const old = { ...written, decode: { effective_tflops: 45.8, effective_bandwidth_gbps: 1231, overhead_ms: 0 } };
    expect(parseCalibrationFile(JSON.stringify(old)).decode).toEqual({ effective_tflops: 45.8, effective_bandwidth_gb_per_s: 1231, overhead_ms: 0 });
    const both = { ...written, decode: { effective_tflops: 45.8, effective_bandwidth_gb_per_s: 1231, effective_bandwidth_gbps: 1000, overhead_ms: 0 } };
    expect(() => parseCalibrationFile(JSON.stringify(both), 'cal.json')).toThrow(/decode\.effective_bandwidth_gb_per_s: give the bandwidth once/);
  });

  it('names the file and the reason for malformed JSON', () => {
    expect(() => parseCalibrationFile('{"format_version": 1,', 'cal.json')).toThrow(expect.objectContaining({ code: 'INVALID_CALIBRATION_FILE', message: expect.stringMatching(/^cal\.json is not valid JSON: /) }));
  });

  it('names the path of a missing or invalid field', () => {
    expect(() => parseCalibrationFile(withoutField(['decode', 'effective_bandwidth_gb_per_s']), 'cal.json')).toThrow(/cal\.json is not a valid calibration file: decode\.effective_bandwidth_gb_per_s: /);
    expect(() => parseCalibrationFile(withoutField(['model']), 'cal.json')).toThrow(/: model: /);
    const negative = JSON.parse(serializeCalibration(params));
    negative.prefill.overhead_ms = -1;
    expect(() => parseCalibrationFile(JSON.stringify(negative), 'cal.json')).toThrow(/prefill\.overhead_ms: /);
    expect(() => parseCalibrationFile('[]', 'cal.json')).toThrow(/cal\.json is not a valid calibration file: \(root\): /);
  });

  it('refuses a missing or unsupported format_version', () => {
    expect(() => parseCalibrationFile(withoutField(['format_version']), 'cal.json')).toThrow(/cal\.json: format_version is missing/);
    expect(() => parseCalibrationFile(JSON.stringify({ ...params, format_version: 2 }), 'cal.json')).toThrow(
      `cal.json: format_version 2 is not supported; this version of llm-sim reads format_version ${CALIBRATION_FORMAT_VERSION}`,
    );
  });

  it('refuses to serialise an invalid calibration', () => {
    expect(() => serializeCalibration({ ...params, tp: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CALIBRATION_FILE', message: expect.stringMatching(/tp: /) }));
  });

  it('cannot be written without both phases fitted, and says why', () => {
    const decodeOnly = fitRooflineParameters([...synthesise('decode', decodeTruth, DECODE_SHAPES), { ...synthesise('prefill', prefillTruth, PREFILL_SHAPES)[0], measuredSeconds: 0 }], H100_PEAK);
    expect(() => toRooflineParameters(decodeOnly, meta)).toThrow(expect.objectContaining({ code: 'NOT_ENOUGH_POINTS', message: expect.stringMatching(/no usable prefill point to fit \(1 excluded, e\.g\. prefill b1 n16 c0: measuredSeconds must be positive/) }));
  });
});

describe('checkCalibrationMatch', () => {
  const file: RooflineParameters = params;

  it('accepts the deployment the calibration was made for', () => {
    expect(() => checkCalibrationMatch(file, { model: 'llama-2-70b', xpu: 'h100-sxm', tp: 4, pp: 1, dtype: 'bf16' })).not.toThrow();
  });

  it('names every field that differs, with both values', () => {
    expect(() => checkCalibrationMatch(file, { model: 'llama-2-70b', xpu: 'a100-80gb', tp: 2 }, 'cal.json')).toThrow(
      expect.objectContaining({ code: 'CALIBRATION_MISMATCH', message: expect.stringMatching(/^cal\.json was fitted for xpu 'h100-sxm' \(requested 'a100-80gb'\), tp 4 \(requested 2\);/) }),
    );
    expect(() => checkCalibrationMatch(file, { model: 'llama-3-70b', xpu: 'h100-sxm', tp: 4, dtype: 'fp8' })).toThrow(/model 'llama-2-70b' \(requested 'llama-3-70b'\), dtype 'bf16' \(requested 'fp8'\)/);
  });
});
