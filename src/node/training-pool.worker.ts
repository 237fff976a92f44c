/**
 * One worker thread of the CLI's training pool (training-pool.ts): the backend the main thread
 * runs, with the lab's wasm kernels registered exactly as there (node/backend.ts), then the jobs.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import '../node/backend';
import type { PoolRequest } from '../core/pipeline/pool';
import { serveTrainingJobs } from '../core/pipeline/pool-worker';

const { backend } = workerData as { backend: string };

async function start(): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`the training worker could not start the ${backend} backend`);
  await tf.ready();
}

const port = parentPort!;
const ready = start();
// An uncaught failure to start ends the thread; the pool reports it with the model it was training.
ready.catch((error: Error) => {
  throw error;
});
serveTrainingJobs(
  {
    post: (message, transfer) => port.postMessage(message, transfer as ArrayBuffer[] | undefined),
    onMessage: (handler) => port.on('message', (message: PoolRequest) => handler(message)),
  },
  ready,
);
