/**
 * One worker of the app's training pool (core/pipeline/pool.ts), started by the experiment worker
 * (workers/training-pool.ts). Its first message names the backend the experiment worker runs; it
 * starts that same backend (activateBackend, with the lab's wasm kernels) so a model trained here
 * is the model the experiment worker would have trained, then it answers jobs.
 */
import { serveTrainingJobs } from '../src/core/pipeline/pool-worker';
import type { PoolRequest } from '../src/core/pipeline/pool';
import { activateBackend } from './backend';
import type { TrainWorkerInit } from './protocol';

// User Timing marks (mia:pool-*), read by the bench (bench/interactive.ts) on the page's clock (timeOrigin).
performance.mark('mia:pool-loaded');
let started: ((init: TrainWorkerInit) => void) | undefined;
const init = new Promise<TrainWorkerInit>((resolve) => (started = resolve));
const ready = init.then(async ({ backend, config }) => {
  const info = await activateBackend(backend, config, () => undefined);
  if (info.active !== backend) throw new Error(`the training worker started ${info.active}, not the experiment's ${backend}`);
  performance.mark('mia:pool-backend');
});

const handlers: ((message: PoolRequest) => void)[] = [];
self.onmessage = (event: MessageEvent<PoolRequest | TrainWorkerInit>) => {
  const message = event.data;
  if (message.type === 'init') started?.(message);
  else {
    if (message.type === 'job') performance.mark(`mia:pool-job:${message.job.name}`);
    handlers.forEach((handle) => handle(message));
  }
};

serveTrainingJobs(
  {
    post: (message, transfer) => {
      if (message.type === 'done' || message.type === 'failed') performance.mark(`mia:pool-job-${message.type}`);
      self.postMessage(message, { transfer: [...(transfer ?? [])] });
    },
    onMessage: (handler) => handlers.push(handler),
  },
  ready,
);
