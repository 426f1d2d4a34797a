import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** A file of the project's shared real measurements (`<root>/shared/data`, beside the `main` checkout). */
export function sharedDataPath(name: string): string {
  return resolve(here, '../../../../../shared/data', name);
}

export function readSharedData(name: string): string {
  return readFileSync(sharedDataPath(name), 'utf8');
}

export function fixturePath(name: string): string {
  return resolve(here, '../__fixtures__', name);
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A file of the data this repository ships (`<repo>/benchmark_data`). */
export function benchmarkDataPath(name: string): string {
  return resolve(here, '../../../../benchmark_data', name);
}
