/**
 * Reads a stored dataset out of IndexedDB for the Records view and hands its buffers to the page.
 * Read on the page, the structured clone of a whole dataset (55 MB for MNIST) held the main thread
 * for about 75 ms when the first result appeared (issue 10: no task over 100 ms); here the read
 * costs the page nothing, and the buffers are transferred, not copied.
 */
import type { ImageDataset } from '../src/core/datasets/types';
import { loadDataset } from '../src/shared/storage/db';

export type PoolImagesAnswer = { readonly key: string; readonly dataset?: ImageDataset; readonly error?: string };

self.onmessage = async (event: MessageEvent<{ readonly key: string }>) => {
  const { key } = event.data;
  try {
    const stored = await loadDataset(key);
    const dataset = stored?.dataset;
    const answer: PoolImagesAnswer = { key, ...(dataset ? { dataset } : {}) };
    const transfer = dataset ? [...new Set([dataset.images.buffer, dataset.labels.buffer])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer) : [];
    self.postMessage(answer, { transfer });
  } catch (error) {
    self.postMessage({ key, error: (error as Error).message } satisfies PoolImagesAnswer);
  }
};
