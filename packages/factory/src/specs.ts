import {
  findModel,
  getModel,
  getXpu,
  listModels,
  parseHuggingFaceConfig,
  parseXpuSpec,
  RooflineError,
  type ModelSpec,
  type XpuSpec,
} from '@llm-sim/roofline';
import { FactoryError } from './errors.ts';
import { looksLikePath, readJson, readText, type ReadTextFile } from './file-access.ts';

/** The last part of a path, with either separator: `node:path` would keep this module out of the browser entry. */
const basename = (path: string): string => path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? path;

/** `org/name`: how the Hugging Face Hub names a model repository. */
const HUGGING_FACE_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/**
 * Where a Hugging Face id's config.json sits in the local Hub cache (huggingface_hub's layout:
 * `<cache>/models--org--name/refs/main` holds the commit, `snapshots/<commit>/config.json` the file).
 */
export async function huggingFaceCacheConfigPath(id: string, hubCacheDir: string, readTextFile: ReadTextFile): Promise<string | undefined> {
  const repo = `${hubCacheDir.replace(/[\\/]+$/, '')}/models--${id.replace('/', '--')}`;
  try {
    const commit = (await readTextFile(`${repo}/refs/main`)).trim();
    return commit ? `${repo}/snapshots/${commit}/config.json` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A model by catalog name, alias or Hugging Face id; else a config.json by path (a file, or a directory that
 * holds one); else, for a Hugging Face id, the config.json in the local Hub cache (`hubCacheDir`: the CLI passes
 * `$HF_HUB_CACHE`, or `$HF_HOME/hub`, or `~/.cache/huggingface/hub`). An architecture the roofline does not
 * model is refused with the supported list.
 */
export async function resolveModel(nameOrPath: string, readTextFile: ReadTextFile, hubCacheDir = readTextFile.huggingFaceHubCache): Promise<ModelSpec> {
  const known = findModel(nameOrPath);
  if (known) return known;
  if (!looksLikePath(nameOrPath)) return getModel(nameOrPath);
  const name = basename(nameOrPath).replace(/\.json$/, '').replace(/^config$/, 'custom-model');
  const candidates = nameOrPath.endsWith('.json') ? [nameOrPath] : [nameOrPath, `${nameOrPath.replace(/[\\/]+$/, '')}/config.json`];
  const isHubId = HUGGING_FACE_ID.test(nameOrPath) && !nameOrPath.endsWith('.json');
  for (const path of candidates) {
    let text: string;
    try {
      text = await readTextFile(path);
    } catch {
      continue;
    }
    return parseConfig(text, path, isHubId ? basename(nameOrPath) : name, isHubId ? nameOrPath : undefined);
  }
  if (isHubId && hubCacheDir) {
    const cached = await huggingFaceCacheConfigPath(nameOrPath, hubCacheDir, readTextFile);
    if (cached) {
      const text = await readText(readTextFile, cached, 'model config');
      return parseConfig(text, cached, basename(nameOrPath), nameOrPath);
    }
  }
  if (isHubId) {
    throw new RooflineError(
      'UNKNOWN_MODEL',
      `unknown model '${nameOrPath}': not in the catalog, no config.json at that path` +
        (hubCacheDir ? `, nor in the Hugging Face cache ${hubCacheDir}` : '') +
        ` (download it with \`huggingface-cli download ${nameOrPath} config.json\`); catalog Hugging Face ids: ` +
        listModels().map((m) => m.huggingFaceId).join(', '),
    );
  }
  // Not found anywhere: the reader's own reason (no such file, a directory without config.json) names the path.
  return parseHuggingFaceConfig(await readJson(readTextFile, nameOrPath, 'model config'), name);
}

function parseConfig(text: string, path: string, name: string, huggingFaceId: string | undefined): ModelSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FactoryError('INVALID_CONFIG', `model config '${path}' is not valid JSON: ${reason}`);
  }
  return parseHuggingFaceConfig(json, name, huggingFaceId);
}

/** A catalog xpu by name or alias, or a custom xpu JSON file by path. */
export async function resolveXpu(nameOrPath: string, readTextFile: ReadTextFile): Promise<XpuSpec> {
  if (!looksLikePath(nameOrPath)) return getXpu(nameOrPath);
  const json = await readJson(readTextFile, nameOrPath, 'xpu file');
  return parseXpuSpec(json, `xpu file '${nameOrPath}'`);
}
