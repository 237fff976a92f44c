/**
 * The Records view's worker: reads a stored dataset out of IndexedDB and hands its buffers to the
 * page, ranks a result's records (core/attacks/records.ts exposeRecords) and breaks its attacks'
 * figures down by class and correctness (breakdownAttack), also for a suite run's results.json
 * (toPlainResultsJson, which holds that breakdown). Each was a main-thread long task or most
 * of one (issue 10: no task over 100 ms): the structured clone of a whole dataset (55 MB for MNIST)
 * held the page for about 75 ms when the first result appeared, the ranks and flags of every attack
 * 30–80 ms per re-run under load, and the breakdown, while open, about 45 ms per re-run (10 attacks,
 * 2,000 records, in Node under load). Here they cost the page nothing; buffers are transferred.
 */
import type { ImageDataset } from '../src/core/datasets/types';
import { breakdownAttack, exposeRecords, type AttackBreakdown, type AttackScores, type RecordsExposure, type ScoredRecords } from '../src/core/attacks/records';
import type { ExperimentResult } from '../src/core/experiment';
import { toPlainResultsJson, type ResultsJson } from '../src/core/results';
import { loadDataset } from '../src/shared/storage/db';

export type PoolImagesRequest =
  | { readonly kind: 'dataset'; readonly key: string }
  | { readonly kind: 'expose'; readonly id: number; readonly attacks: readonly AttackScores[]; readonly records: ScoredRecords; readonly limit: number; readonly fpr: number }
  | { readonly kind: 'breakdown'; readonly id: number; readonly attacks: readonly AttackScores[]; readonly records: ScoredRecords; readonly numClasses: number }
  | { readonly kind: 'results-json'; readonly id: number; readonly result: ExperimentResult; readonly extra: Record<string, unknown> };

export type PoolImagesAnswer =
  | { readonly kind: 'dataset'; readonly key: string; readonly dataset?: ImageDataset; readonly error?: string }
  | { readonly kind: 'exposure'; readonly id: number; readonly exposure?: RecordsExposure; readonly error?: string }
  | { readonly kind: 'breakdown'; readonly id: number; readonly rows?: readonly AttackBreakdown[]; readonly error?: string }
  | { readonly kind: 'results-json'; readonly id: number; readonly json?: ResultsJson; readonly error?: string };

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

function breakdown(request: Extract<PoolImagesRequest, { kind: 'breakdown' }>): void {
  const { id, attacks, records, numClasses } = request;
  try {
    self.postMessage({ kind: 'breakdown', id, rows: attacks.map((a) => breakdownAttack(a, records, numClasses)) } satisfies PoolImagesAnswer);
  } catch (error) {
    self.postMessage({ kind: 'breakdown', id, error: (error as Error).message } satisfies PoolImagesAnswer);
  }
}

function resultsJson(request: Extract<PoolImagesRequest, { kind: 'results-json' }>): void {
  const { id, result, extra } = request;
  try {
    self.postMessage({ kind: 'results-json', id, json: toPlainResultsJson(result, extra) } satisfies PoolImagesAnswer);
  } catch (error) {
    self.postMessage({ kind: 'results-json', id, error: (error as Error).message } satisfies PoolImagesAnswer);
  }
}

self.onmessage = (event: MessageEvent<PoolImagesRequest>) => {
  const request = event.data;
  if (request.kind === 'dataset') void readDataset(request.key);
  else if (request.kind === 'expose') expose(request);
  else if (request.kind === 'breakdown') breakdown(request);
  else resultsJson(request);
};
