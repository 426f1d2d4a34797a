import { basename } from 'node:path';
import { getModel, getXpu, parseHuggingFaceConfig, parseXpuSpec, type ModelSpec, type XpuSpec } from '@llm-sim/roofline';
import { looksLikePath, readJson, type ReadTextFile } from './file-access.ts';

/** A catalog model by name or alias, or any Hugging Face config.json by path. */
export async function resolveModel(nameOrPath: string, readTextFile: ReadTextFile): Promise<ModelSpec> {
  if (!looksLikePath(nameOrPath)) return getModel(nameOrPath);
  const json = await readJson(readTextFile, nameOrPath, 'model config');
  return parseHuggingFaceConfig(json, basename(nameOrPath).replace(/\.json$/, '').replace(/^config$/, 'custom-model'));
}

/** A catalog xpu by name or alias, or a custom xpu JSON file by path. */
export async function resolveXpu(nameOrPath: string, readTextFile: ReadTextFile): Promise<XpuSpec> {
  if (!looksLikePath(nameOrPath)) return getXpu(nameOrPath);
  const json = await readJson(readTextFile, nameOrPath, 'xpu file');
  return parseXpuSpec(json, `xpu file '${nameOrPath}'`);
}
