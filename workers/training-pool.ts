/**
 * The app's training pool (core/pipeline/pool.ts): dedicated workers (train.worker.ts) started by
 * the experiment worker, one per spare core, so the shadows train while the target trains and the
 * reference models' groups are shared out. Only on the CPU backends (wasm, cpu): on a GPU the
 * models would queue on the same device.
 *
 * A training worker takes about half a second to load its modules (tf.js, the wasm kernels), which
 * the first job used to wait for while the target was already training. So workers are started
 * ahead, as spares: by the page's warm-up and again after each run; a pool takes a spare before it
 * starts a new worker. A spare knows its backend when the warm-up did (a named backend), else it
 * is told when a pool takes it.
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

/** The backends a pool trains on. */
function poolBackend(backend: BackendName): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

interface SpareWorker {
  readonly worker: Worker;
  /** The backend it was told to start, if it was told yet. */
  backend?: BackendName;
  /** Why it died before a pool took it (its error event would reach nobody later). */
  failed?: string;
  /** Hands its errors over to the pool's port. */
  taken?: () => void;
}

/** Training workers loaded and waiting for a pool. */
const spares: SpareWorker[] = [];

function startTrainingWorker(): Worker {
  return new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'mia-lab training' });
}

function tell(spare: SpareWorker, backend: BackendName, config: ExperimentConfig): void {
  const init: TrainWorkerInit = { type: 'init', backend, config };
  spare.worker.postMessage(init);
  spare.backend = backend;
}

/**
 * Have `size` spare training workers, loading now; with `backend` known they start it too, and
 * spares told another backend are dropped, as are spares beyond `size` (all of them on a backend
 * no pool uses).
 */
export function startSpareWorkers(size: number, config: ExperimentConfig, backend?: BackendName): void {
  const wanted = backend !== undefined && !poolBackend(backend) ? 0 : size;
  for (const spare of spares.splice(wanted)) spare.worker.terminate();
  for (const spare of [...spares]) {
    if (spare.failed !== undefined || (backend !== undefined && spare.backend !== undefined && spare.backend !== backend)) {
      spare.worker.terminate();
      spares.splice(spares.indexOf(spare), 1);
    } else if (backend !== undefined && spare.backend === undefined) {
      tell(spare, backend, config);
    }
  }
  while (spares.length < wanted) {
    const spare: SpareWorker = { worker: startTrainingWorker() };
    // Handled here, or it would surface as an error of the experiment worker itself.
    const noteFailure = (event: ErrorEvent) => {
      event.preventDefault();
      spare.failed = event.message || 'it could not start';
    };
    spare.worker.addEventListener('error', noteFailure);
    spares.push(spare);
    spare.taken = () => spare.worker.removeEventListener('error', noteFailure);
    if (backend !== undefined) tell(spare, backend, config);
  }
}

/** A spare that can run `backend` (told so now if it was not yet), or a fresh worker. */
function takeWorker(backend: BackendName, config: ExperimentConfig): Worker {
  const at = spares.findIndex((spare) => spare.failed === undefined && (spare.backend === undefined || spare.backend === backend));
  if (at >= 0) {
    const [spare] = spares.splice(at, 1);
    spare.taken?.();
    if (spare.backend === undefined) tell(spare, backend, config);
    return spare.worker;
  }
  const fresh: SpareWorker = { worker: startTrainingWorker() };
  tell(fresh, backend, config);
  return fresh.worker;
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

/** A pool for this run, or none (no spare core, or a GPU backend). Workers join when a job first needs one: a spare if there is one. */
export function createBrowserTrainingPool(backend: BackendName, config: ExperimentConfig, size: number): TrainingPool | undefined {
  if (size < 1 || !poolBackend(backend)) return undefined;
  return createWorkerPool(size, () => browserWorkerPort(takeWorker(backend, config)));
}
