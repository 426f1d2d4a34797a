import {
  checkCalibrationMatch,
  KERNEL_CALIBRATION_FORMAT_VERSION,
  parseCalibrationFile,
  parseKernelCalibration,
  toEffectiveRoofline,
  type KernelCalibration,
  type RooflineParameters,
} from '@llm-sim/calibration';
import type { EffectiveRoofline } from '@llm-sim/roofline';
import { FactoryError } from './errors.ts';
import { readText, type ReadTextFile } from './file-access.ts';

/** A calibration file as read: format 1 (one deployment's fitted figures) or format 2 (one xpu's measured kernels). */
export type LoadedCalibration =
  | { readonly kind: 'deployment'; readonly parameters: RooflineParameters; readonly efficiency: EffectiveRoofline }
  | { readonly kind: 'xpu-kernels'; readonly calibration: KernelCalibration };

/**
 * Reads a calibration file: format 1 (one deployment: checked to be this model, xpu, tp, pp and weights
 * dtype, so a pp=1 bf16 fit never silently prices pp=2 fp8) or format 2 (one xpu's measured kernels: checked
 * to be this xpu).
 */
export async function loadCalibration(
  path: string,
  readTextFile: ReadTextFile,
  expected: { model: string; xpu: string; tp: number; pp?: number; dtype?: string },
): Promise<LoadedCalibration> {
  const text = await readText(readTextFile, path, 'calibration file');
  let version: unknown;
  try {
    version = (JSON.parse(text) as { format_version?: unknown } | null)?.format_version;
  } catch {
    version = undefined; // parseCalibrationFile reports the malformed JSON
  }
  if (version === KERNEL_CALIBRATION_FORMAT_VERSION) {
    const calibration = parseKernelCalibration(JSON.parse(text), path);
    if (calibration.xpu !== expected.xpu) {
      throw new FactoryError(
        'INVALID_CONFIG',
        `${path} holds the kernels of xpu '${calibration.xpu}' (requested '${expected.xpu}'); omit --calibration-data to use the shipped one, which transfers efficiencies between xpus and says so`,
      );
    }
    return { kind: 'xpu-kernels', calibration };
  }
  const parameters = parseCalibrationFile(text, path);
  checkCalibrationMatch(parameters, expected, path);
  return { kind: 'deployment', parameters, efficiency: toEffectiveRoofline(parameters) };
}
