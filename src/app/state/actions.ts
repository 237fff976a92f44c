/**
 * What the buttons do: run, cancel, restart the worker, restore and clear the cache, import files.
 * The only module that talks to the worker client and IndexedDB on the page's behalf.
 */
import type { NamedBytes } from '../../core/datasets/types';
import { forgetPoolImages } from '../records/use-pool-images';
import { exposeInWorker } from '../records/records-worker';
import { clearStorage, describeStorageError, estimateStorage, loadRuns, saveRun, type StoredRun } from '../../shared/storage/db';
import type { ExperimentConfig } from '../../core/config';
import type { ProgressEvent } from '../../core/experiment';
import { ExperimentClient, type RunOutcome } from '../worker/experiment-client';
import { ProgressThrottle } from '../worker/progress-throttle';
import { configHash } from '../../core/hash';
import { useConfigStore } from './config-store';
import { parseImportedFile } from './import-export';
import { looksLikeBundle, storeBundle } from './import-bundle';
import { BUNDLE_EXTENSION } from '../../core/bundle';
import { useResultsStore } from './results-store';
import { reduceProgress, useRunStore } from './run-store';
import { useUiStore } from './ui-store';
import { deferUntilIdle } from './when-idle';
import { keepAhead } from './ahead';

let client: ExperimentClient | undefined;

function getClient(): ExperimentClient {
  if (!client) {
    client = new ExperimentClient();
    client.onAhead = keepAhead;
  }
  return client;
}

/** Have the worker make these configs' results ahead (state/ahead.ts); they need no training. */
export function speculate(configs: readonly ExperimentConfig[]): void {
  getClient().speculate(configs);
}

/**
 * Have the worker get ready for the experiment on screen (its backend when named, the dataset, the
 * training workers) while the user looks at the controls, so a click on Run starts training at once.
 * Marks mia:warm-ready for the bench (bench/interactive.ts).
 */
export function warmUp(): void {
  performance.mark('mia:warm-start');
  void getClient()
    .warm({ config: useConfigStore.getState().config, backend: useUiStore.getState().backend })
    .then(() => performance.mark('mia:warm-ready'));
}

export async function refreshStorage(): Promise<void> {
  useUiStore.getState().setStorage(await estimateStorage().catch(() => undefined));
}

/**
 * Run one config on the worker with the run store following it (stages, curves, pause state).
 * Used by the Run button and by the suite queue, so both show the same progress and share the
 * one worker (one run at a time).
 */
export async function executeRun(config: ExperimentConfig, hash: string, files?: readonly NamedBytes[]): Promise<RunOutcome> {
  // User Timing marks (mia:*): where a run's time goes, read by the bench (bench/interactive.ts).
  performance.mark('mia:run-start');
  useRunStore.getState().start(config, hash);
  // Progress reaches the store in batches, a few a second; anything else flushes it first, in order.
  const progress = new ProgressThrottle<ProgressEvent>((events) =>
    useRunStore.setState(({ run }) => {
      const now = Date.now();
      return { run: events.reduce((folded, event) => reduceProgress(folded, event, now), run) };
    }),
  );
  const flushed = <A extends unknown[]>(handler: (...args: A) => void) => (...args: A) => {
    progress.flush();
    handler(...args);
  };
  const outcome = await getClient().run(
    { config, backend: useUiStore.getState().backend, ...(files ? { files } : {}) },
    {
      onBackend: flushed((info) => useRunStore.getState().setBackend(info)),
      onDataset: flushed((dataset) => useRunStore.getState().setDataset(dataset)),
      onProgress: (event) => progress.push(event),
      onNotice: flushed((message) => useRunStore.getState().notice(message)),
      onGate: flushed((state) => useRunStore.getState().gate(state)),
    },
  );
  performance.mark('mia:run-answered');
  progress.flush();
  const finish = useRunStore.getState().finish;
  switch (outcome.kind) {
    case 'result':
      finish('done');
      break;
    case 'error':
      finish('error', { error: outcome.error });
      break;
    case 'cancelled':
      if (outcome.forced) useRunStore.getState().notice('The worker did not stop within 3 s, so it was terminated; a fresh one starts with the next run.');
      finish('cancelled');
      break;
    case 'crashed':
      finish('crashed', { crash: outcome.message });
      break;
  }
  return outcome;
}

/**
 * Keep a finished run: in the session's results at once, and in IndexedDB once the page has drawn
 * it and is idle, or when it is hidden or left (when-idle.ts; a full quota is a message). Returns
 * when the run is shown, not when it is saved.
 */
export async function keepResult(run: StoredRun, show: boolean): Promise<void> {
  useResultsStore.getState().add(run);
  if (show) {
    // The Records view's ranks, asked now so the worker ranks while the page draws the table and
    // charts; the view finds the answer under the same result (records-worker.ts asks once per result).
    exposeInWorker(run.result).catch(() => {});
    useUiStore.getState().select(run.hash);
  }
  performance.mark('mia:result-shown');
  void deferUntilIdle(() => saveRun(run)).then(
    () => {
      performance.mark('mia:result-saved');
      void refreshStorage();
    },
    (error: unknown) => useUiStore.getState().say('error', describeStorageError(error, 'the results')),
  );
}

export function runIsActive(): boolean {
  const { status } = useRunStore.getState().run;
  return status === 'running' || status === 'cancelling';
}

export async function startRun(): Promise<void> {
  const { config } = useConfigStore.getState();
  const ui = useUiStore.getState();
  if (runIsActive()) return;
  const hash = configHash(config);
  const files = config.dataset.name === 'custom' && ui.userFiles.length > 0 ? ui.userFiles : undefined;
  const outcome = await executeRun(config, hash, files);
  if (outcome.kind === 'result') {
    await keepResult({ hash, config, result: outcome.result, finishedAt: Date.now(), origin: 'run' }, true);
  }
}

export function cancelRun(): void {
  useRunStore.getState().cancelling();
  getClient().cancel();
}

/** Pause at the next epoch boundary, resume, or train one more epoch (the worker's RunGate). */
export function pauseRun(): void {
  getClient().pause();
}

export function resumeRun(): void {
  getClient().resume();
}

export function stepRun(): void {
  getClient().step();
}

export function restartWorker(): void {
  getClient().restart();
  useUiStore.getState().say('notice', 'The experiment worker was restarted; the next run starts a fresh one.');
}

/** Bring back the runs of earlier sessions without retraining. */
export async function restoreSession(): Promise<void> {
  try {
    const runs = await loadRuns();
    if (runs.length > 0) useResultsStore.getState().addMany(runs);
  } catch (error) {
    useUiStore.getState().say('notice', `Earlier results could not be read from IndexedDB (${(error as Error).message}).`);
  }
  void refreshStorage();
}

export async function clearCache(): Promise<void> {
  if (runIsActive()) {
    useUiStore.getState().say('notice', 'A run is using the cache: cancel it first, then clear the cache.');
    return;
  }
  try {
    await clearStorage();
    // The worker keeps recent stage outputs in memory too (experiment.worker.ts): a fresh worker holds none.
    client?.restart();
    forgetPoolImages();
    useResultsStore.getState().clear();
    useUiStore.getState().say('notice', 'The cache (stored results and parsed datasets) was cleared.');
  } catch (error) {
    useUiStore.getState().say('error', `The cache could not be cleared: ${(error as Error).message}`);
  }
  await refreshStorage();
}

export async function readFiles(files: Iterable<File>): Promise<NamedBytes[]> {
  return Promise.all([...files].map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
}

/** The user's dataset files: kept in memory and named in the config; they are parsed when the run starts. */
export async function chooseDatasetFiles(files: Iterable<File>): Promise<void> {
  const named = await readFiles(files);
  if (named.length === 0) return;
  useUiStore.getState().setUserFiles(named);
  const ok = useConfigStore.getState().update({ dataset: { name: 'custom', files: named.map((f) => f.name) } });
  if (!ok) useUiStore.getState().say('error', 'These files cannot be used as a dataset.', useConfigStore.getState().problems);
}

/** A bundle made by `lab bundle`: checked whole, then stored; the run it holds is shown. */
async function importBundle(fileName: string, bytes: Uint8Array): Promise<void> {
  const { run, problems, message } = await storeBundle(fileName, bytes);
  useConfigStore.getState().replace(run.config);
  useResultsStore.getState().add(run);
  useUiStore.getState().select(run.hash);
  void refreshStorage();
  const say = useUiStore.getState().say;
  if (problems.length > 0) say('error', `${fileName}: the results are shown, but not everything could be stored.`, problems);
  else say('notice', message);
}

export async function importFile(file: File): Promise<void> {
  const say = useUiStore.getState().say;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (file.name.endsWith(BUNDLE_EXTENSION) || looksLikeBundle(bytes)) return await importBundle(file.name, bytes);
    const imported = parseImportedFile(file.name, new TextDecoder().decode(bytes));
    if (imported.kind === 'config') {
      useConfigStore.getState().replace(imported.config);
      say('notice', `${file.name}: config loaded into the controls.`);
    } else {
      useConfigStore.getState().replace(imported.run.config);
      useResultsStore.getState().add(imported.run);
      useUiStore.getState().select(imported.run.hash);
      say('notice', `${file.name}: results restored (a results file has no per-record scores, so no histograms).`);
    }
  } catch (error) {
    say('error', (error as Error).message, (error as { problems?: readonly string[] }).problems);
  }
}
