import { readFile } from 'node:fs/promises';
import { evaluateDeployment, type DeploymentEvaluation, type DeploymentTask } from '@llm-sim/factory';
import { toOutcome, type WorkerOutcome } from './worker-threads.ts';

/** One deployment's capacity search on a worker thread (tinypool calls the default export with the task). */
export default function evaluate(task: DeploymentTask): Promise<WorkerOutcome<DeploymentEvaluation>> {
  return toOutcome(() => evaluateDeployment(task, (path) => readFile(path, 'utf8')));
}
