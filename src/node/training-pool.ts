/**
 * The CLI's training pool (core/pipeline/pool.ts) on worker_threads: each worker runs
 * training-pool.worker.ts, which starts the same backend as the CLI (wasm with the lab's kernels,
 * or cpu) and trains the jobs it is sent. The worker is TypeScript: it is started from a one-line
 * ES module that registers tsx's loader first (a worker's `--import tsx` in execArgv is applied
 * after its entry file is resolved on Node 20, so a .ts entry is refused).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createWorkerPool, type PoolPort, type PoolResponse, type TrainingPool } from '../core/pipeline/pool';

/** The default --workers: one per core beside the main thread (which trains too). */
export function defaultWorkerCount(): number {
  return Math.max(0, availableParallelism() - 1);
}

/** tsx's ESM API as a file URL, from its package's export map (the worker resolves nothing itself). */
function tsxEsmApi(): string {
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = JSON.parse(readFileSync(packageJson, 'utf8')).exports['./esm/api'];
  return pathToFileURL(join(dirname(packageJson), exports.import.default)).href;
}

function spawnWorker(backend: string): PoolPort {
  const entry = new URL('./training-pool.worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxEsmApi())}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return nodeWorkerPort(new Worker(boot, { eval: true, workerData: { backend } }));
}

/** A worker thread as the pool's client sees it; an exit the pool did not ask for is a failure. */
export function nodeWorkerPort(worker: Worker): PoolPort {
  let terminated = false;
  return {
    post: (message, transfer) => worker.postMessage(message, transfer as ArrayBuffer[] | undefined),
    onMessage: (handler) => worker.on('message', (message: PoolResponse) => handler(message)),
    onFailure: (handler) => {
      worker.on('error', (error) => handler(error.message));
      worker.on('exit', (code) => {
        if (!terminated) handler(`its thread exited with code ${code}`);
      });
    },
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}

/**
 * `size` worker threads on `backend` (the name tf.getBackend() gave the main thread: "wasm" or
 * "cpu"); `warm` starts them now rather than at the first job.
 */
export function createNodeTrainingPool(size: number, backend: string, options: { readonly warm?: boolean } = {}): TrainingPool {
  return createWorkerPool(size, () => spawnWorker(backend), options);
}
