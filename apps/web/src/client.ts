import type { WorkerRequest, WorkerResponse } from './protocol.ts';

type Body = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The simulation worker, one request at a time per id; answers come back in the order asked. */
export class SimulationWorker {
  private readonly worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'llm-sim' });
  private nextId = 1;
  private readonly pending = new Map<number, (response: WorkerResponse) => void>();

  constructor() {
    this.worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
      const resolve = this.pending.get(event.data.id);
      this.pending.delete(event.data.id);
      resolve?.(event.data);
    };
  }

  request(body: Body): { id: number; response: Promise<WorkerResponse> } {
    const id = this.nextId++;
    const response = new Promise<WorkerResponse>((resolve) => this.pending.set(id, resolve));
    this.worker.postMessage({ ...body, id });
    return { id, response };
  }
}
