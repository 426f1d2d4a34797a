import { makeParentDirectory } from '@llm-sim/factory';
import { readFile, writeFile, appendFile } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';

/** Everything the CLI touches outside itself, injected so that commands run in-process in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Carries the local Hugging Face Hub cache, where `--model org/name` finds a downloaded config.json. */
  readonly readTextFile: ((path: string) => Promise<string>) & { readonly huggingFaceHubCache?: string };
  readonly writeTextFile: (path: string, text: string) => Promise<void>;
  readonly appendTextFile: (path: string, text: string) => Promise<void>;
  /** True when stdout is a terminal: progress bars only then. */
  readonly isTty: boolean;
  readonly now: () => Date;
  /** Worker threads a sweep may use (the machine's available parallelism). */
  readonly threads: number;
}

/** huggingface_hub's cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function huggingFaceHubCache(env: NodeJS.ProcessEnv): string {
  return env.HF_HUB_CACHE ?? join(env.HF_HOME ?? join(homedir(), '.cache', 'huggingface'), 'hub');
}

export function createNodeIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readTextFile: Object.assign((path: string) => readFile(path, 'utf8'), { huggingFaceHubCache: huggingFaceHubCache(process.env) }),
    writeTextFile: async (path, text) => {
      await makeParentDirectory(path);
      await writeFile(path, text, 'utf8');
    },
    appendTextFile: async (path, text) => {
      await makeParentDirectory(path);
      await appendFile(path, text, 'utf8');
    },
    isTty: Boolean(process.stdout.isTTY),
    now: () => new Date(),
    threads: availableParallelism(),
  };
}
