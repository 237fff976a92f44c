/**
 * The Records view's worker: reads a stored dataset out of IndexedDB and hands its buffers to the
 * page, and ranks a result's records (core/attacks/records.ts exposeRecords). Both were main-thread
 * long tasks (issue 10: no task over 100 ms): the structured clone of a whole dataset (55 MB for
 * MNIST) held the page for about 75 ms when the first result appeared, and the ranks and flags of
 * every attack 30–80 ms on each re-run under load. Here they cost the page nothing; the buffers
 * are transferred, not copied.
 */
import type { ImageDataset } from '../src/core/datasets/types';
import { exposeRecords, type AttackScores, type RecordsExposure, type ScoredRecords } from '../src/core/attacks/records';
import { loadDataset } from '../src/shared/storage/db';

export type PoolImagesRequest =
  | { readonly kind: 'dataset'; readonly key: string }
  | { readonly kind: 'expose'; readonly id: number; readonly attacks: readonly AttackScores[]; readonly records: ScoredRecords; readonly limit: number; readonly fpr: number };

export type PoolImagesAnswer =
  | { readonly kind: 'dataset'; readonly key: string; readonly dataset?: ImageDataset; readonly error?: string }
  | { readonly kind: 'exposure'; readonly id: number; readonly exposure?: RecordsExposure; readonly error?: string };

async function readDataset(key: string): Promise<void> {
  try {
    const stored = await loadDataset(key);
    const dataset = stored?.dataset;
    const answer: PoolImagesAnswer = { kind: 'dataset', key, ...(dataset ? { dataset } : {}) };
    const transfer = dataset ? [...new Set([dataset.images.buffer, dataset.labels.buffer])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer) : [];
    self.postMessage(answer, { transfer });
  } catch (error) {
    self.postMessage({ kind: 'dataset', key, error: (error as Error).message } satisfies PoolImagesAnswer);
  }
}

function expose(request: Extract<PoolImagesRequest, { kind: 'expose' }>): void {
  const { id, attacks, records, limit, fpr } = request;
  try {
    const exposure = exposeRecords(attacks, records, limit, fpr);
    const transfer = exposure.attacks.map((a) => a.nonMemberScoresDescending.buffer as ArrayBuffer);
    self.postMessage({ kind: 'exposure', id, exposure } satisfies PoolImagesAnswer, { transfer });
  } catch (error) {
    self.postMessage({ kind: 'exposure', id, error: (error as Error).message } satisfies PoolImagesAnswer);
  }
}

self.onmessage = (event: MessageEvent<PoolImagesRequest>) => {
  const request = event.data;
  if (request.kind === 'dataset') void readDataset(request.key);
  else expose(request);
};
