/**
 * Datasets inside the worker: a parsed copy from IndexedDB when there is one (a reload does not
 * re-parse 55 MB of MNIST), else the built-in files fetched from the site, else the user's files
 * handed over by the page. A failed cache write is a notice, never a failed run.
 */
import type { DatasetConfig } from '../src/core/config';
import { loadBuiltinDataset } from '../src/core/datasets/builtin';
import { parseDatasetFiles } from '../src/core/datasets/load';
import type { ImageDataset, NamedBytes } from '../src/core/datasets/types';
import { fingerprintBytes } from '../src/core/hash';
import { datasetCacheKey, describeStorageError, loadDataset, saveDataset } from '../src/shared/storage/db';
import type { DatasetSource } from './protocol';

export interface LoadedDataset {
  readonly dataset: ImageDataset;
  readonly source: DatasetSource;
}

/** Reads "datasets/mnist/…gz" relative to the site root, which is where Vite serves public/. */
export async function fetchAsset(path: string): Promise<Uint8Array> {
  const url = new URL(`${import.meta.env.BASE_URL}${path}`, self.location.origin);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${path}: could not be downloaded (${(error as Error).message})`);
  }
  if (!response.ok) throw new Error(`${path}: the server answered ${response.status} ${response.statusText}`);
  // A single-page host answers a missing file with its index.html (Vite's preview does), which
  // would otherwise fail as "wrong magic number 0x3c21646f" ("<!do").
  if (response.headers.get('content-type')?.includes('text/html')) {
    throw new Error(`${path}: not on the server (it answered with a web page). npm install writes the built-in datasets into public/datasets (scripts/prepare-datasets.mjs); run it, then build again`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** The last dataset this worker loaded: a re-run of the same experiment reads neither IndexedDB nor the network. */
let last: { readonly key: string; readonly fingerprint?: string; readonly dataset: ImageDataset } | undefined;

export async function loadDatasetInWorker(
  config: DatasetConfig,
  files: readonly NamedBytes[] | undefined,
  notice: (message: string) => void,
): Promise<LoadedDataset> {
  const key = datasetCacheKey(config);
  const fingerprint = files && files.length > 0 ? fingerprintBytes(files) : undefined;
  if (last && last.key === key && (fingerprint === undefined || last.fingerprint === fingerprint)) return { dataset: last.dataset, source: 'cache' };
  const loaded = await loadUncached(config, files, key, fingerprint, notice);
  last = { key, ...(fingerprint ? { fingerprint } : {}), dataset: loaded.dataset };
  return loaded;
}

async function loadUncached(
  config: DatasetConfig,
  files: readonly NamedBytes[] | undefined,
  key: string,
  fingerprint: string | undefined,
  notice: (message: string) => void,
): Promise<LoadedDataset> {
  const cached = await loadDataset(key).catch(() => undefined);
  if (cached && (fingerprint === undefined || cached.fingerprint === fingerprint)) {
    return { dataset: cached.dataset, source: 'cache' };
  }
  let dataset: ImageDataset;
  let source: DatasetSource;
  if (config.name === 'custom') {
    if (!files || files.length === 0) {
      throw new Error(
        `dataset: the files ${(config.files ?? []).join(', ')} are not in this page's memory or the cache; pick them again`,
      );
    }
    dataset = await parseDatasetFiles(files, { cifar100Labels: config.cifar100Labels });
    source = 'files';
  } else {
    dataset = await loadBuiltinDataset(config.name, fetchAsset);
    source = 'network';
  }
  await saveDataset({ key, ...(fingerprint ? { fingerprint } : {}), dataset, storedAt: Date.now() }).catch((error: unknown) =>
    notice(describeStorageError(error, `the parsed dataset ${dataset.name}`)),
  );
  return { dataset, source };
}
