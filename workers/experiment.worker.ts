/**
 * The experiment worker: a thin adapter over runExperiment, like the CLI. It picks a backend,
 * loads the dataset, streams the core's ProgressEvents, and posts the result with its typed
 * arrays transferred. One run at a time; "cancel" flips the run's CancelSignal, which the core
 * checks between batches (it yields to the event loop there, so the message gets through).
 * "pause", "resume" and "step" drive the run's RunGate, which the core awaits before every epoch.
 */
import { CancelledError } from '../src/core/cancel';
import { MemoryLayer } from '../src/core/memory-cache';
import { runExperiment } from '../src/core/experiment';
import { indexedDbBlobCache } from '../src/shared/storage/db';
import { activateBackend } from './backend';
import type { TrainingPool } from '../src/core/pipeline/pool';
import { createBrowserTrainingPool, trainingPoolSize } from './training-pool';
import { RunGate } from './gate';
import { loadDatasetInWorker } from './datasets';
import { resultTransferables, serializeError, type WorkerRequest, type WorkerResponse } from './protocol';

interface ActiveRun {
  readonly runId: number;
  /** The CancelSignal the core polls. */
  readonly signal: { aborted: boolean };
  /** Pause, resume and step, awaited by the core before every epoch. */
  readonly gate: RunGate;
}

let active: ActiveRun | undefined;

/**
 * Stage outputs of recent runs, in memory in front of IndexedDB: a changed output defense or
 * attack setting re-runs from here without reading the database (the page restarts the worker
 * when the cache is cleared, which empties this too).
 */
const memory = new MemoryLayer(256 * 1024 * 1024);

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

async function run(request: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  const { runId, config } = request;
  if (active) {
    post({ type: 'error', runId, error: { name: 'BusyError', message: `run ${active.runId} is still running; cancel it first` } });
    return;
  }
  const current: ActiveRun = { runId, signal: { aborted: false }, gate: new RunGate((state) => post({ type: 'gate', runId, state })) };
  active = current;
  const notice = (message: string) => post({ type: 'notice', runId, message });
  // The run's training workers (workers/training-pool.ts): closed with the run, so a cancel or an error stops them too.
  let pool: TrainingPool | undefined;
  try {
    const info = await activateBackend(request.backend, config, notice);
    post({ type: 'backend', runId, info });
    pool = createBrowserTrainingPool(info.active, config, trainingPoolSize(self.navigator as WorkerNavigator & { deviceMemory?: number }));
    const result = await runExperiment(config, {
      pool,
      signal: current.signal,
      gate: current.gate.wait,
      cache: memory.over(indexedDbBlobCache(notice)),
      onProgress: (event) => post({ type: 'progress', runId, event }),
      loadDataset: async (datasetConfig) => {
        const loaded = await loadDatasetInWorker(datasetConfig, request.files, notice);
        post({ type: 'dataset', runId, name: loaded.dataset.name, count: loaded.dataset.count, source: loaded.source });
        return loaded.dataset;
      },
    });
    post({ type: 'result', runId, result }, resultTransferables(result));
  } catch (error) {
    if (error instanceof CancelledError || current.signal.aborted) post({ type: 'cancelled', runId });
    else post({ type: 'error', runId, error: serializeError(error) });
  } finally {
    void pool?.close();
    current.gate.release();
    active = undefined;
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  switch (request.type) {
    case 'run':
      void run(request);
      break;
    case 'cancel':
      if (active && active.runId === request.runId) {
        active.signal.aborted = true;
        // A paused run waits at its gate; open it so the core reaches its cancel check.
        active.gate.release();
      }
      break;
    case 'pause':
    case 'resume':
    case 'step':
      if (active && active.runId === request.runId) active.gate[request.type]();
      break;
  }
};
