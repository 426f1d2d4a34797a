export { main } from './main.ts';
export { ExitCode, exitCodeFor } from './exit-codes.ts';
export { createNodeIo, type CliIo } from './io.ts';
