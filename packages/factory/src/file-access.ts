import { FactoryError } from './errors.ts';

/** File reading, injected so that the factory stays testable and free of ambient effects. */
export type ReadTextFile = (path: string) => Promise<string>;

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
