/**
 * The Records view's ranks and flags, computed off the page in the Records view's worker
 * (workers/pool-images.worker.ts → core/attacks/records.ts exposeRecords): for every attack the
 * view can switch to, the members it exposes first with their ranks and flags, and the overlap
 * tally. On the page this was 30–80 ms of one task per re-run under load (issue 10: no task over
 * 100 ms, and the page only draws). Asked once per result, for every attack at once, so choosing
 * another attack redraws without asking again.
 */
import { useEffect, useState } from 'react';
import type { RecordsExposure } from '../../core/attacks/records';
import type { PoolImagesAnswer, PoolImagesRequest } from '../../../workers/pool-images.worker';
import { rankableAttacks, type RecordsInput } from './records-data';

/** How many members the view draws per attack. */
export const SHOWN = 24;
/** "Flagged" means called a member at this false-positive rate on the target's own non-members. */
export const FLAG_FPR = 0.01;

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (exposure: RecordsExposure) => void; reject: (error: Error) => void }>();
const asked = new WeakMap<RecordsInput, Promise<RecordsExposure>>();

/** One worker for the page's lifetime (started on the first result); a crashed one is replaced on the next request. */
function recordsWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('../../../workers/pool-images.worker.ts', import.meta.url), { type: 'module', name: 'mia-lab records' });
  started.onmessage = (event: MessageEvent<PoolImagesAnswer>) => {
    const answer = event.data;
    if (answer.kind !== 'exposure') return;
    const pending = waiting.get(answer.id);
    waiting.delete(answer.id);
    if (answer.exposure) pending?.resolve(answer.exposure);
    else pending?.reject(new Error(answer.error ?? 'the records worker answered nothing'));
  };
  started.onerror = (event) => {
    const error = new Error(event.message || 'the records worker could not start');
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
    started.terminate();
    if (worker === started) worker = undefined;
  };
  worker = started;
  return started;
}

/** The exposure of `input`'s rankable attacks, computed once per result (a failure is asked again next time). */
export function exposeInWorker(input: RecordsInput): Promise<RecordsExposure> {
  let asking = asked.get(input);
  if (asking) return asking;
  // Only the scores travel (copied: the result keeps its arrays); not the attacks' ROC curves and figures.
  const attacks = rankableAttacks(input.attacks).map(({ name, memberScores, nonMemberScores }) => ({ name, memberScores, nonMemberScores }));
  const records = { member: input.records.member, label: input.records.label };
  asking = new Promise<RecordsExposure>((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    recordsWorker().postMessage({ kind: 'expose', id, attacks, records, limit: SHOWN, fpr: FLAG_FPR } satisfies PoolImagesRequest);
  });
  asked.set(input, asking);
  asking.catch(() => asked.delete(input));
  return asking;
}

/** A result with its exposure, or with why it could not be ranked. */
export type RankedRecords = { readonly input: RecordsInput; readonly exposure: RecordsExposure } | { readonly input: RecordsInput; readonly error: string };

/**
 * The exposure of `input` once the worker answers; meanwhile the previous result with its own
 * exposure (its cards stay up, as a chart keeps its drawing until the new one is ready), and
 * undefined before the first answer.
 */
export function useRecordsExposure(input: RecordsInput): RankedRecords | undefined {
  const [ranked, setRanked] = useState<RankedRecords>();
  useEffect(() => {
    let live = true;
    exposeInWorker(input).then(
      (exposure) => live && setRanked({ input, exposure }),
      (error: unknown) => live && setRanked({ input, error: (error as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [input]);
  return ranked;
}
