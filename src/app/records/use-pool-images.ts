/**
 * The pool's pixels for the Records view, read from the copy of the parsed dataset the worker kept
 * in IndexedDB when it ran the experiment (shared/storage/db.ts), so the page never re-parses or
 * re-downloads anything. The read runs in a small worker of its own (workers/pool-images.worker.ts),
 * which transfers the buffers: deserialising a whole dataset on the page cost a long task. One
 * read per dataset for the page's lifetime. Undefined while loading; 'missing' when the cache was
 * cleared or the read failed.
 */
import { useEffect, useState } from 'react';
import type { DatasetConfig } from '../../core/config';
import type { ImageDataset } from '../../core/datasets/types';
import { datasetCacheKey, loadDataset } from '../../shared/storage/db';
import type { PoolImagesAnswer, PoolImagesRequest } from '../../../workers/pool-images.worker';

const reads = new Map<string, Promise<ImageDataset | 'missing'>>();

/** Forget what was read (the cache was cleared: the Records view then says the images are gone). */
export function forgetPoolImages(): void {
  reads.clear();
}

/** The stored dataset under `key`, read once per page (off the main thread where workers exist). */
function readPool(key: string): Promise<ImageDataset | 'missing'> {
  let read = reads.get(key);
  if (!read) {
    read = readInWorker(key).catch(() => 'missing' as const);
    reads.set(key, read);
    // A miss is not remembered: the dataset is stored by the next run.
    void read.then((value) => value === 'missing' && reads.delete(key));
  }
  return read;
}

function readInWorker(key: string): Promise<ImageDataset | 'missing'> {
  if (typeof Worker === 'undefined') return loadDataset(key).then((stored) => stored?.dataset ?? 'missing');
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../../../workers/pool-images.worker.ts', import.meta.url), { type: 'module', name: 'mia-lab dataset reader' });
    const done = () => worker.terminate();
    worker.onmessage = (event: MessageEvent<PoolImagesAnswer>) => {
      const answer = event.data;
      if (answer.kind !== 'dataset') return;
      done();
      if (answer.error !== undefined) reject(new Error(answer.error));
      else resolve(answer.dataset ?? 'missing');
    };
    worker.onerror = (event) => {
      done();
      reject(new Error(event.message || 'the dataset reader could not start'));
    };
    worker.postMessage({ kind: 'dataset', key } satisfies PoolImagesRequest);
  });
}

export function usePoolImages(dataset: DatasetConfig): ImageDataset | 'missing' | undefined {
  const key = datasetCacheKey(dataset);
  const [state, setState] = useState<{ key: string; value: ImageDataset | 'missing' } | undefined>();
  useEffect(() => {
    let live = true;
    void readPool(key).then((value) => live && setState({ key, value }));
    return () => {
      live = false;
    };
  }, [key]);
  return state?.key === key ? state.value : undefined;
}
