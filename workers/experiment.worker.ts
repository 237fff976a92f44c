/**
 * The experiment worker: a thin adapter over runExperiment, like the CLI. It picks a backend,
 * loads the dataset, streams the core's ProgressEvents, and posts the result with its typed
 * arrays transferred. One run at a time; "cancel" flips the run's CancelSignal, which the core
 * checks between batches (it yields to the event loop there, so the message gets through).
 * "pause", "resume" and "step" drive the run's RunGate, which the core awaits before every epoch.
 */
import { CancelledError } from '../src/core/cancel';
import { MemoryLayer } from '../src/core/memory-cache';
import { runExperiment, type ExperimentResult } from '../src/core/experiment';
import type { ExperimentConfig } from '../src/core/config';
import { configHash } from '../src/core/hash';
import { indexedDbBlobCache } from '../src/shared/storage/db';
import { activateBackend } from './backend';
import { wasmTrainingPoolSize } from '../src/shared/backend-probe';
import type { TrainingPool } from '../src/core/pipeline/pool';
import { createBrowserTrainingPool, startSpareWorkers, trainingPoolSize } from './training-pool';
import { RunGate } from './gate';
import { loadDatasetInWorker } from './datasets';
import { packResult } from '../src/shared/packed-result';
import { resultTransferables, serializeError, type BackendName, type WorkerRequest, type WorkerResponse } from './protocol';

interface ActiveRun {
  readonly runId: number;
  /** The CancelSignal the core polls. */
  readonly signal: { aborted: boolean };
  /** Pause, resume and step, awaited by the core before every epoch. */
  readonly gate: RunGate;
}

let active: ActiveRun | undefined;

// User Timing marks (mia:worker-*, mia:stage-*): where a run's time goes inside the worker, read by
// the bench (bench/interactive.ts) beside the page's own mia:* marks, on one clock (timeOrigin).
performance.mark('mia:worker-loaded');

/**
 * Stage outputs of recent runs, in memory in front of IndexedDB: a changed output defense or
 * attack setting re-runs from here without reading the database (the page restarts the worker
 * when the cache is cleared, which empties this too).
 */
const memory = new MemoryLayer(256 * 1024 * 1024);

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

/** The training workers this page may use (before threaded wasm takes its cores: the run decides that). */
function poolSizeHere(): number {
  return trainingPoolSize(self.navigator as WorkerNavigator & { deviceMemory?: number });
}

/**
 * How long after the last run its training workers' replacements start loading. A run in between
 * (an output defense's slider moved, say) puts it off again: a spare loading its modules and
 * warming up takes a core for most of a second, which would slow the instant re-runs beside it.
 */
const SPARES_AFTER_RUN_MS = 3000;
let sparesTimer: ReturnType<typeof setTimeout> | undefined;

/** The warm-up in progress, if any: a run waits for it rather than start the same backend or dataset beside it. */
let warming: Promise<void> = Promise.resolve();
/** What the warm-up had to say (a dataset IndexedDB refused, say): told with the next run, which has a place to show it. */
const warmNotices: string[] = [];

/**
 * Before the first click: this worker is loaded already (the page created it to send this); start
 * the backend when it is named, the training workers' modules, and read the built-in dataset, so
 * a click on Run finds them ready (bench/README.md, "click Run → table"). Auto is left to the run:
 * its measurement (seconds, once) is reported there. Anything that fails here, the run does again
 * and reports.
 */
async function warm(request: Extract<WorkerRequest, { type: 'warm' }>): Promise<void> {
  if (active) return;
  performance.mark('mia:worker-warm');
  const { config, backend } = request;
  warming = (async () => {
    // The backend's notices come again with the run's own activation; the dataset's would not.
    const notice = (message: string) => warmNotices.push(message);
    const named: BackendName | undefined = backend === 'auto' ? undefined : (await activateBackend(backend, config, () => undefined)).active;
    startSpareWorkers(poolSizeHere(), config, named);
    if (config.dataset.name !== 'custom') await loadDatasetInWorker(config.dataset, undefined, notice);
  })().catch(() => undefined);
  await warming;
  performance.mark('mia:worker-warmed');
  post({ type: 'warmed' });
}

/**
 * A result being made ahead ('speculate'), from the models a run cached: only while no run is
 * active, one at a time, never training (a model missing from the cache ends it).
 */
interface Speculation {
  readonly hash: string;
  readonly signal: { aborted: boolean };
  readonly result: Promise<ExperimentResult | undefined>;
  /** A run asked for the same config and takes this result as its own. */
  adopted: boolean;
}

let speculation: Speculation | undefined;
let speculationQueue: { readonly config: ExperimentConfig; readonly hash: string }[] = [];

/**
 * A newer list of configs to make ahead, less the one in the making (the page leaves out those it
 * holds). One in the making that the list no longer names is stopped at its next checkpoint: the
 * page has moved on (a defense switch still being made when the slider's next step is asked held
 * that step up past the student's next move).
 */
function queueSpeculation(configs: readonly ExperimentConfig[]): void {
  const queue = configs.map((config) => ({ config, hash: configHash(config) }));
  if (speculation && !queue.some(({ hash }) => hash === speculation?.hash)) speculation.signal.aborted = true;
  speculationQueue = queue.filter(({ hash }) => hash !== speculation?.hash);
  nextSpeculation();
}

function nextSpeculation(): void {
  if (active || speculation) return;
  const next = speculationQueue.shift();
  if (!next) return;
  const { config, hash } = next;
  const signal = { aborted: false };
  const result = runExperiment(config, {
    signal,
    cache: memory.over(indexedDbBlobCache(() => undefined)),
    onProgress: (event) => {
      if (event.type === 'epoch') signal.aborted = true;
    },
    loadDataset: async (datasetConfig) => (await loadDatasetInWorker(datasetConfig, undefined, () => undefined)).dataset,
  }).catch(() => undefined);
  const current: Speculation = { hash, signal, result, adopted: false };
  speculation = current;
  performance.mark('mia:worker-ahead');
  void result.then((made) => {
    speculation = undefined;
    if (made && !current.adopted) {
      const packed = packResult(made);
      post({ type: 'ahead', config, result: packed }, resultTransferables(packed));
    }
    nextSpeculation();
  });
}

/** The result being made ahead for `config`, if that is what is being made; any other is stopped first. */
async function adoptSpeculation(config: ExperimentConfig): Promise<ExperimentResult | undefined> {
  speculationQueue = [];
  const current = speculation;
  if (!current) return undefined;
  if (current.hash === configHash(config)) {
    current.adopted = true;
    return current.result;
  }
  current.signal.aborted = true;
  await current.result;
  return undefined;
}

async function run(request: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  const { runId, config } = request;
  performance.mark('mia:worker-run');
  if (active) {
    post({ type: 'error', runId, error: { name: 'BusyError', message: `run ${active.runId} is still running; cancel it first` } });
    return;
  }
  const current: ActiveRun = { runId, signal: { aborted: false }, gate: new RunGate((state) => post({ type: 'gate', runId, state })) };
  active = current;
  clearTimeout(sparesTimer);
  const ahead = adoptSpeculation(config);
  const notice = (message: string) => post({ type: 'notice', runId, message });
  // The run's training workers (workers/training-pool.ts): closed with the run, so a cancel or an error stops them too.
  let pool: TrainingPool | undefined;
  let backend: BackendName | undefined;
  try {
    await warming;
    for (const message of warmNotices.splice(0)) notice(message);
    const info = await activateBackend(request.backend, config, notice);
    backend = info.active;
    post({ type: 'backend', runId, info });
    performance.mark('mia:worker-backend');
    // Threaded wasm here leaves the pool only the cores its threads do not use (wasmTrainingPoolSize).
    pool = createBrowserTrainingPool(info.active, config, wasmTrainingPoolSize(poolSizeHere(), self.navigator.hardwareConcurrency, info.threads));
    const adopted = await ahead;
    if (current.signal.aborted) throw new CancelledError('the experiment');
    const result = adopted ?? await runExperiment(config, {
      pool,
      signal: current.signal,
      gate: current.gate.wait,
      cache: memory.over(indexedDbBlobCache(notice)),
      onProgress: (event) => {
        if (event.type === 'stage-start' || event.type === 'stage-end') performance.mark(`mia:${event.type}:${event.stage}`);
        post({ type: 'progress', runId, event });
      },
      loadDataset: async (datasetConfig) => {
        const loaded = await loadDatasetInWorker(datasetConfig, request.files, notice);
        performance.mark('mia:worker-dataset');
        post({ type: 'dataset', runId, name: loaded.dataset.name, count: loaded.dataset.count, source: loaded.source });
        return loaded.dataset;
      },
    });
    performance.mark('mia:worker-result');
    const packed = packResult(result);
    post({ type: 'result', runId, result: packed }, resultTransferables(packed));
  } catch (error) {
    if (error instanceof CancelledError || current.signal.aborted) post({ type: 'cancelled', runId });
    else post({ type: 'error', runId, error: serializeError(error) });
  } finally {
    void pool?.close();
    current.gate.release();
    active = undefined;
    // The next run's training workers load a little later, once the page has drawn this one's
    // results (a worker's modules take about half a second of a core), unless a run has begun;
    // as many as this run's pool had (none on a GPU, or beside threaded wasm on every core).
    if (backend !== undefined) {
      const size = pool?.size ?? 0;
      const topUp = () => (active ? undefined : startSpareWorkers(size, config, backend));
      sparesTimer = setTimeout(topUp, SPARES_AFTER_RUN_MS);
    }
    nextSpeculation();
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  switch (request.type) {
    case 'run':
      void run(request);
      break;
    case 'warm':
      void warm(request);
      break;
    case 'speculate':
      queueSpeculation(request.configs);
      break;
    case 'cancel':
      if (active && active.runId === request.runId) {
        active.signal.aborted = true;
        if (speculation?.adopted) speculation.signal.aborted = true;
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
