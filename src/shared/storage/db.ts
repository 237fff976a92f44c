/**
 * The lab's IndexedDB, shared by the page (results, suite runs) and the experiment worker (parsed
 * datasets, reference models' outputs, trained weights): results keyed by the hash of the config
 * that produced them (core/hash.ts), datasets keyed by where they came from. No React and no DOM:
 * this folder compiles under the worker's tsconfig too, with only the `indexedDB` global.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { BlobCache } from '../../core/cache';
import type { DatasetConfig, ExperimentConfig } from '../../core/config';
import type { ImageDataset } from '../../core/datasets/types';
import type { ExperimentResult } from '../../core/experiment';
import type { ResultsJson } from '../../core/results';
import { canonicalJson } from '../../core/hash';
import { nextMacrotask } from '../../core/pace';
import { isPacked, packResult, unpackResult, type PackedResult } from '../packed-result';
import type { ProbeRecord } from '../backend-probe';

export const DB_NAME = 'mia-lab';
/** 2 added suite-runs; 3 added backend-probes. */
const DB_VERSION = 3;

/** A finished run as the app keeps it: the result plus where it came from. */
export interface StoredRun {
  readonly hash: string;
  readonly config: ExperimentConfig;
  readonly result: ExperimentResult;
  /** ms since the epoch. */
  readonly finishedAt: number;
  /** Imported results files carry no per-record scores. */
  readonly origin: 'run' | 'import';
}

export interface StoredDataset {
  readonly key: string;
  /** For user files: a digest of their bytes, so new files under old names are parsed again. */
  readonly fingerprint?: string;
  readonly dataset: ImageDataset;
  readonly storedAt: number;
}

/** A finished run of a suite, kept under runKey(run) (a hash of its config), as the CLI's results.json. */
export interface StoredSuiteRun {
  readonly key: string;
  readonly suite: string;
  readonly runId: string;
  readonly result: ResultsJson;
  readonly finishedAt: number;
}

interface LabSchema extends DBSchema {
  'suite-runs': { key: string; value: StoredSuiteRun };
  /** Runs are stored with their curves packed (saveRun); runs stored before that hold pairs. */
  results: { key: string; value: Omit<StoredRun, 'result'> & { readonly result: ExperimentResult | PackedResult }; indexes: { finishedAt: number } };
  datasets: { key: string; value: StoredDataset };
  /** The core's BlobCache entries (trained reference models' outputs), already checksummed by the core. */
  blobs: { key: string; value: Uint8Array };
  /** Auto's measured backend per adapter, browser version and architecture class (shared/backend-probe.ts). */
  'backend-probes': { key: string; value: ProbeRecord };
}

let opening: Promise<IDBPDatabase<LabSchema>> | undefined;

export function openLabDb(): Promise<IDBPDatabase<LabSchema>> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('IndexedDB is not available in this browser'));
  opening ??= openDB<LabSchema>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('results', { keyPath: 'hash' }).createIndex('finishedAt', 'finishedAt');
        db.createObjectStore('datasets', { keyPath: 'key' });
        db.createObjectStore('blobs');
      }
      if (oldVersion < 2) db.createObjectStore('suite-runs', { keyPath: 'key' });
      if (oldVersion < 3) db.createObjectStore('backend-probes', { keyPath: 'key' });
    },
  }).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}

/** A full disk or quota is a message the user can act on, not a stack trace. */
export function describeStorageError(error: unknown, what: string): string {
  const name = (error as { name?: string })?.name;
  if (name === 'QuotaExceededError') {
    return `Could not save ${what}: the browser's storage quota is full. Clear the cache (Storage panel) or free disk space; the lab keeps working without the cache.`;
  }
  return `Could not save ${what} in IndexedDB (${(error as Error)?.message ?? String(error)}); the lab keeps working without the cache.`;
}

/**
 * Committed explicitly rather than when the task ends: the page saves a result when idle, or as it
 * is hidden or left (app/state/when-idle.ts), and then the write must not wait for another task.
 * The curves are stored packed: put() clones its value in the calling task, and pairs took 8–15 ms
 * of the page a result (a Chromium profile of top-k changes).
 */
export async function saveRun(run: StoredRun): Promise<void> {
  const db = await openLabDb();
  const transaction = db.transaction('results', 'readwrite');
  void transaction.store.put({ ...run, result: packResult(run.result) });
  transaction.commit();
  await transaction.done;
}

/**
 * Every stored run, oldest first, one run per task: the keys first, then each run in a request of
 * its own after a yield, so each is deserialised in a task of its own. getAll deserialised every
 * stored result in one task (200 ms of the page for six results of 1,000 records per part after a
 * reload), and a cursor's steps still ran together (up to 150 ms); issue 10.
 */
export async function loadRuns(): Promise<StoredRun[]> {
  const db = await openLabDb();
  const keys = await db.getAllKeysFromIndex('results', 'finishedAt');
  const runs: StoredRun[] = [];
  for (const key of keys) {
    await nextMacrotask();
    const run = await db.get('results', key);
    if (run) runs.push({ ...run, result: isPacked(run.result) ? unpackResult(run.result) : run.result });
  }
  return runs;
}

/** Where a parsed dataset is cached: built-ins by name, user files by their names and label choice. */
export function datasetCacheKey(dataset: DatasetConfig): string {
  if (dataset.name !== 'custom') return `builtin:${dataset.name}`;
  return `custom:${canonicalJson({ files: dataset.files ?? [], cifar100Labels: dataset.cifar100Labels ?? 'fine' })}`;
}

export async function loadDataset(key: string): Promise<StoredDataset | undefined> {
  const db = await openLabDb();
  return db.get('datasets', key);
}

export async function saveDataset(entry: StoredDataset): Promise<void> {
  const db = await openLabDb();
  await db.put('datasets', entry);
}

/**
 * Where an imported bundle's target and shadow weights go (tf.io's IndexedDB store). The worker no
 * longer writes or reads here (its stage cache keeps trained weights); clearing the cache clears these too.
 */
export function modelUrl(configHash: string, role: string, index: number): string {
  return `indexeddb://mia-lab/${configHash}/${role}-${index}`;
}

/** Every saved model's weights (tf.io keeps them in a database of its own). */
async function clearSavedModels(): Promise<void> {
  const { io } = await import('@tensorflow/tfjs');
  const models = await io.listModels();
  await Promise.all(Object.keys(models).filter((url) => url.startsWith('indexeddb://mia-lab/')).map((url) => io.removeModel(url)));
}

export async function clearStorage(): Promise<void> {
  await clearSavedModels();
  const db = await openLabDb();
  await Promise.all([db.clear('results'), db.clear('datasets'), db.clear('blobs'), db.clear('suite-runs')]);
}

export async function loadSuiteRun(key: string): Promise<StoredSuiteRun | undefined> {
  const db = await openLabDb();
  return db.get('suite-runs', key);
}

export async function saveSuiteRun(entry: StoredSuiteRun): Promise<void> {
  const db = await openLabDb();
  await db.put('suite-runs', entry);
}

/**
 * The core's BlobCache in IndexedDB, so an interrupted run with reference models resumes. A failed
 * read is a miss; a failed write (a full quota) is reported once and otherwise ignored.
 */
export function indexedDbBlobCache(onWriteError: (message: string) => void): BlobCache {
  let reported = false;
  return {
    async read(key) {
      try {
        return await (await openLabDb()).get('blobs', key);
      } catch {
        return undefined;
      }
    },
    async write(key, bytes) {
      try {
        await (await openLabDb()).put('blobs', bytes, key);
      } catch (error) {
        if (!reported) onWriteError(describeStorageError(error, 'trained models'));
        reported = true;
      }
    },
  };
}

export interface StorageEstimate {
  readonly usage: number;
  readonly quota: number;
}

export async function estimateStorage(): Promise<StorageEstimate | undefined> {
  // Typed here rather than as Navigator, which the worker's WebWorker lib does not have.
  const storage = (globalThis.navigator as { storage?: { estimate?(): Promise<{ usage?: number; quota?: number }> } } | undefined)?.storage;
  if (!storage?.estimate) return undefined;
  const { usage = 0, quota = 0 } = await storage.estimate();
  return { usage, quota };
}

/** Auto's remembered measurement, as stored: the worker checks it (parseProbeRecord) before trusting it. */
export async function loadBackendProbe(key: string): Promise<unknown> {
  const db = await openLabDb();
  return db.get('backend-probes', key);
}

export async function saveBackendProbe(record: ProbeRecord): Promise<void> {
  const db = await openLabDb();
  await db.put('backend-probes', record);
}

/** "Re-measure": forget every measurement, so the next auto run times the backends again. */
export async function clearBackendProbes(): Promise<void> {
  const db = await openLabDb();
  await db.clear('backend-probes');
}
