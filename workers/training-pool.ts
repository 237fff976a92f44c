/**
 * The app's training pool (core/pipeline/pool.ts): dedicated workers (train.worker.ts) started by
 * the experiment worker, one per spare core, so the shadows train while the target trains and the
 * reference models' groups are shared out. Only on the CPU backends (wasm, cpu): on a GPU the
 * models would queue on the same device.
 */
import type { ExperimentConfig } from '../src/core/config';
import { createWorkerPool, type PoolPort, type PoolResponse, type TrainingPool } from '../src/core/pipeline/pool';
import type { BackendName, TrainWorkerInit } from './protocol';

/** A worker's tf.js, wasm module and tensors: about this much memory each (a guess on the safe side). */
const MEMORY_PER_WORKER_GB = 0.5;

/** Spare cores (one is the experiment worker's), capped so the workers take at most half the memory the browser reports (navigator.deviceMemory). */
export function trainingPoolSize(navigator: { readonly hardwareConcurrency?: number; readonly deviceMemory?: number }): number {
  const spareCores = Math.max(0, (navigator.hardwareConcurrency ?? 1) - 1);
  const byMemory = navigator.deviceMemory === undefined ? spareCores : Math.floor(navigator.deviceMemory / MEMORY_PER_WORKER_GB / 2);
  return Math.max(0, Math.min(spareCores, byMemory));
}

function browserWorkerPort(worker: Worker): PoolPort {
  return {
    post: (message, transfer) => worker.postMessage(message, { transfer: [...(transfer ?? [])] }),
    onMessage: (handler) => worker.addEventListener('message', (event: MessageEvent<PoolResponse>) => handler(event.data)),
    onFailure: (handler) => {
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        handler(event.message || 'the worker could not start or threw an error');
      });
      worker.addEventListener('messageerror', () => handler('a message from it could not be read'));
    },
    terminate: () => worker.terminate(),
  };
}

/** A pool for this run, or none (no spare core, or a GPU backend). Workers start when a job first needs one. */
export function createBrowserTrainingPool(backend: BackendName, config: ExperimentConfig, size: number): TrainingPool | undefined {
  if (size < 1 || (backend !== 'wasm' && backend !== 'cpu')) return undefined;
  return createWorkerPool(size, () => {
    const worker = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'mia-lab training' });
    const init: TrainWorkerInit = { type: 'init', backend, config };
    worker.postMessage(init);
    return browserWorkerPort(worker);
  });
}
