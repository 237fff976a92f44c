/**
 * The Records view's per-record work, done off the page in its worker (workers/pool-images.worker.ts,
 * core/attacks/records.ts): for every attack the view can switch to, the members it exposes first
 * with their ranks and flags and the overlap tally (exposeRecords), and the breakdown by class and
 * correctness (breakdownAttack); and a suite run's results.json, which holds that breakdown. On the
 * page the first two were 30–80 ms and about 45 ms of one task per re-run under load (issue 10: no
 * task over 100 ms; the page only draws). Each is asked once per result, for every attack at once,
 * so choosing another attack redraws without asking again.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AttackResult } from '../../core/attacks/evaluate';
import type { AttackBreakdown, RecordsExposure, ScoredRecords } from '../../core/attacks/records';
import type { ExperimentResult } from '../../core/experiment';
import type { ResultsJson } from '../../core/results';
import type { PoolImagesAnswer, PoolImagesRequest } from '../../../workers/pool-images.worker';
import { rankableAttacks, type RecordsInput } from './records-data';

/** How many members the view draws per attack. */
export const SHOWN = 24;
/** "Flagged" means called a member at this false-positive rate on the target's own non-members. */
export const FLAG_FPR = 0.01;

type Question = Extract<PoolImagesRequest, { kind: 'expose' | 'breakdown' | 'results-json' }>;
type Pending = { resolve: (answer: Extract<PoolImagesAnswer, { id: number }>) => void; reject: (error: Error) => void };

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, Pending>();

/** One worker for the page's lifetime (started on the first result); a crashed one is replaced on the next question. */
function recordsWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('../../../workers/pool-images.worker.ts', import.meta.url), { type: 'module', name: 'mia-lab records' });
  started.onmessage = (event: MessageEvent<PoolImagesAnswer>) => {
    const answer = event.data;
    if (answer.kind === 'dataset') return;
    const pending = waiting.get(answer.id);
    waiting.delete(answer.id);
    if (answer.error !== undefined) pending?.reject(new Error(answer.error));
    else pending?.resolve(answer);
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

function ask(question: (id: number) => Question): Promise<Extract<PoolImagesAnswer, { id: number }>> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    recordsWorker().postMessage(question(id));
  });
}

/** Only the scores travel (copied: the result keeps its arrays), not the attacks' ROC curves and figures. */
function scoresOf(attacks: readonly AttackResult[]) {
  return attacks.map(({ name, memberScores, nonMemberScores }) => ({ name, memberScores, nonMemberScores }));
}

/** Asked once per result (per key object of it); a failure is asked again next time. */
function oncePer<K extends object, T>(memo: WeakMap<K, Promise<T>>, key: K, compute: () => Promise<T>): Promise<T> {
  let asking = memo.get(key);
  if (asking) return asking;
  asking = compute();
  memo.set(key, asking);
  asking.catch(() => memo.delete(key));
  return asking;
}

const exposures = new WeakMap<RecordsInput, Promise<RecordsExposure>>();
const breakdowns = new WeakMap<readonly AttackResult[], Promise<readonly AttackBreakdown[]>>();

/** The exposure of `input`'s rankable attacks. */
export function exposeInWorker(input: RecordsInput): Promise<RecordsExposure> {
  return oncePer(exposures, input, async () => {
    const records = { member: input.records.member, label: input.records.label };
    const answer = await ask((id) => ({ kind: 'expose', id, attacks: scoresOf(rankableAttacks(input.attacks)), records, limit: SHOWN, fpr: FLAG_FPR }));
    if (answer.kind !== 'exposure' || !answer.exposure) throw new Error('the records worker answered another question');
    return answer.exposure;
  });
}

/** Each of `attacks` (one result's, scores covering `records`) by class and by correctness, in their order. */
export function breakdownInWorker(attacks: readonly AttackResult[], records: ScoredRecords, numClasses: number): Promise<readonly AttackBreakdown[]> {
  return oncePer(breakdowns, attacks, async () => {
    const { member, label, predicted } = records;
    const answer = await ask((id) => ({ kind: 'breakdown', id, attacks: scoresOf(attacks), records: { member, label, ...(predicted ? { predicted } : {}) }, numClasses }));
    if (answer.kind !== 'breakdown' || !answer.rows) throw new Error('the records worker answered another question');
    return answer.rows;
  });
}

/**
 * A suite run's results.json (core/results.ts toPlainResultsJson) made in the worker: its breakdown
 * by class is a ROC per class and attack, per-record work the page must not do between runs.
 */
export async function resultsJsonInWorker(result: ExperimentResult, extra: Record<string, unknown>): Promise<ResultsJson> {
  const answer = await ask((id) => ({ kind: 'results-json', id, result, extra }));
  if (answer.kind !== 'results-json' || !answer.json) throw new Error('the records worker answered another question');
  return answer.json;
}

/** What the worker computed for `key` (a result, or its attacks), or why it could not. */
export type Answered<K, T> = { readonly key: K; readonly value: T } | { readonly key: K; readonly error: string };

/**
 * `compute(key)` once the worker answers; meanwhile the previous key with its own answer (the view
 * keeps its drawing until the new one is ready, as a chart does); undefined before the first answer,
 * and while `compute` is undefined (nothing asked: a folded table).
 */
function useAnswer<K extends object, T>(key: K, compute: ((key: K) => Promise<T>) | undefined): Answered<K, T> | undefined {
  const [answered, setAnswered] = useState<Answered<K, T>>();
  useEffect(() => {
    if (!compute) return;
    let live = true;
    compute(key).then(
      (value) => live && setAnswered({ key, value }),
      (error: unknown) => live && setAnswered({ key, error: (error as Error).message }),
    );
    return () => {
      live = false;
    };
  }, [key, compute]);
  return compute ? answered : undefined;
}

export function useRecordsExposure(input: RecordsInput): Answered<RecordsInput, RecordsExposure> | undefined {
  return useAnswer(input, exposeInWorker);
}

/** The breakdown of `attacks` on `records`, asked only while `open`. */
export function useBreakdown(attacks: readonly AttackResult[], records: ScoredRecords, numClasses: number, open: boolean): Answered<readonly AttackResult[], readonly AttackBreakdown[]> | undefined {
  const compute = useMemo(() => (open ? (key: readonly AttackResult[]) => breakdownInWorker(key, records, numClasses) : undefined), [open, records, numClasses]);
  return useAnswer(attacks, compute);
}
