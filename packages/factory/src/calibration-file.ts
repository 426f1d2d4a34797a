import { checkCalibrationMatch, parseCalibrationFile, toEffectiveRoofline, type RooflineParameters } from '@llm-sim/calibration';
import type { EffectiveRoofline } from '@llm-sim/roofline';
import { readText, type ReadTextFile } from './file-access.ts';

/** Reads a calibration file and checks that it was made for this model, xpu and tp. */
export async function loadCalibration(
  path: string,
  readTextFile: ReadTextFile,
  expected: { model: string; xpu: string; tp: number },
): Promise<{ parameters: RooflineParameters; efficiency: EffectiveRoofline }> {
  const text = await readText(readTextFile, path, 'calibration file');
  const parameters = parseCalibrationFile(text, path);
  checkCalibrationMatch(parameters, expected, path);
  return { parameters, efficiency: toEffectiveRoofline(parameters) };
}
