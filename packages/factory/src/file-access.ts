import { FactoryError } from './errors.ts';

/**
 * File reading, injected so that the factory stays testable and free of ambient effects. The reader may carry
 * where the local Hugging Face Hub cache is (the CLI sets it from HF_HUB_CACHE / HF_HOME), so that a model named
 * by its Hugging Face id resolves to the config.json downloaded there.
 */
export type ReadTextFile = ((path: string) => Promise<string>) & { readonly huggingFaceHubCache?: string };

export async function readText(readTextFile: ReadTextFile, path: string, what: string): Promise<string> {
  try {
    return await readTextFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FactoryError('UNREADABLE_FILE', `cannot read ${what} '${path}': ${reason}`);
  }
}

export async function readJson(readTextFile: ReadTextFile, path: string, what: string): Promise<unknown> {
  const text = await readText(readTextFile, path, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FactoryError('INVALID_CONFIG', `${what} '${path}' is not valid JSON: ${reason}`);
  }
}

/** A name that looks like a file path rather than a catalog name. */
export function looksLikePath(nameOrPath: string): boolean {
  return nameOrPath.endsWith('.json') || nameOrPath.includes('/') || nameOrPath.includes('\\');
}
