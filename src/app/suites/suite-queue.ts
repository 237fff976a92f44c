/**
 * A suite's runs queued one after another on the experiment worker (issue 7). Each finished run's
 * results.json is stored under runKey(run) (a hash of its whole config), so a run already stored
 * is reused, never retrained, and a stopped suite resumes where it stopped. Everything the queue
 * touches comes in through SuiteDeps, so the logic is tested with a fake runner and store.
 */
import { ATTACKS } from '../../core/attacks/registry';
import type { ExperimentConfig } from '../../core/config';
import { isOutputDefense, type DefenseId } from '../../core/defenses/registry';
import type { ExperimentResult } from '../../core/experiment';
import type { ResultsJson } from '../../core/results';
import { runKey, type SuiteDefinition, type SuiteRun, type SuiteSize } from '../../core/suites/suites';
import { stageFraction, type StageProgress } from '../state/run-store';
import type { RunOutcome } from '../worker/experiment-client';

export type SuiteRunStatus = 'pending' | 'cached' | 'running' | 'done' | 'failed' | 'cancelled';

export interface SuiteRunState {
  readonly id: string;
  readonly key: string;
  readonly status: SuiteRunStatus;
  /** Wall-clock seconds of a run trained in this session. */
  readonly seconds?: number;
  readonly error?: string;
}

export type SuiteStatus = 'idle' | 'running' | 'stopping' | 'done' | 'stopped';

export interface SuiteProgress {
  readonly suite: string;
  readonly size: SuiteSize;
  readonly status: SuiteStatus;
  readonly runs: readonly SuiteRun[];
  readonly states: readonly SuiteRunState[];
  /** results.json of every finished run (stored or trained now), by run id. */
  readonly results: Readonly<Record<string, ResultsJson>>;
  /** When the run in progress started (ms). */
  readonly currentStartedAt?: number;
}

export interface SuiteDeps {
  /** The stored results.json of a run, if any. */
  lookup(key: string): Promise<ResultsJson | undefined>;
  /** Keep a finished run; returns the results.json kept. */
  store(key: string, run: SuiteRun, suite: string, result: ExperimentResult): Promise<ResultsJson>;
  /** Train one run on the worker. */
  execute(run: SuiteRun): Promise<RunOutcome>;
  /** Stop the run in progress (the worker's cancel). */
  cancel(): void;
  onChange(progress: SuiteProgress): void;
  now(): number;
}

/** The grid of a suite at a size, every run pending. */
export function plannedSuite(suite: SuiteDefinition, size: SuiteSize): SuiteProgress {
  const runs = suite.runs(size);
  return {
    suite: suite.name,
    size,
    status: 'idle',
    runs,
    states: runs.map((run) => ({ id: run.id, key: runKey(run), status: 'pending' })),
    results: {},
  };
}

function describeOutcome(outcome: RunOutcome): string {
  switch (outcome.kind) {
    case 'error':
      return [outcome.error.message, ...(outcome.error.problems ?? [])].join('; ');
    case 'crashed':
      return outcome.message;
    default:
      return outcome.kind;
  }
}

export class SuiteQueue {
  private progress: SuiteProgress;
  private stopRequested = false;

  constructor(
    suite: SuiteDefinition,
    size: SuiteSize,
    private readonly deps: SuiteDeps,
  ) {
    this.progress = plannedSuite(suite, size);
  }

  get state(): SuiteProgress {
    return this.progress;
  }

  /** Stop after (cancelling) the run in progress; finished runs stay stored for the next start. */
  stop(): void {
    if (this.progress.status !== 'running') return;
    this.stopRequested = true;
    this.update({ status: 'stopping' });
    this.deps.cancel();
  }

  /** Mark stored runs as cached, then train the others in grid order. Resolves when done or stopped. */
  async run(): Promise<SuiteProgress> {
    this.update({ status: 'running' });
    for (const [i, run] of this.progress.runs.entries()) {
      const key = this.progress.states[i].key;
      const stored = await this.deps.lookup(key).catch(() => undefined);
      if (stored) this.finishRun(i, { status: 'cached' }, stored);
    }
    for (const [i, run] of this.progress.runs.entries()) {
      if (this.stopRequested) break;
      if (this.progress.states[i].status === 'cached') continue;
      const started = this.deps.now();
      this.setState(i, { status: 'running' });
      this.update({ currentStartedAt: started });
      const outcome = await this.deps.execute(run);
      const seconds = (this.deps.now() - started) / 1000;
      if (outcome.kind === 'result') {
        try {
          const json = await this.deps.store(this.progress.states[i].key, run, this.progress.suite, outcome.result);
          this.finishRun(i, { status: 'done', seconds }, json);
        } catch (error) {
          this.setState(i, { status: 'failed', seconds, error: `trained, but could not be stored: ${(error as Error).message}` });
        }
      } else if (outcome.kind === 'cancelled') {
        this.setState(i, { status: 'cancelled', seconds });
        this.stopRequested = true;
      } else {
        // One failed run does not sink the suite: the others still answer part of the question.
        this.setState(i, { status: 'failed', seconds, error: describeOutcome(outcome) });
      }
      this.update({ currentStartedAt: undefined });
    }
    this.update({ status: this.stopRequested ? 'stopped' : 'done' });
    return this.progress;
  }

  private finishRun(index: number, state: Omit<SuiteRunState, 'id' | 'key'>, json: ResultsJson): void {
    const id = this.progress.runs[index].id;
    this.progress = { ...this.progress, results: { ...this.progress.results, [id]: json } };
    this.setState(index, state);
  }

  private setState(index: number, state: Omit<SuiteRunState, 'id' | 'key'>): void {
    const states = this.progress.states.map((s, i) => (i === index ? { id: s.id, key: s.key, ...state } : s));
    this.update({ states });
  }

  private update(patch: Partial<SuiteProgress>): void {
    this.progress = { ...this.progress, ...patch };
    this.deps.onChange(this.progress);
  }
}

/** Finished runs (stored or trained now) in grid order, as summarise() wants them. */
export function finishedRuns(progress: SuiteProgress): { run: SuiteRun; result: ResultsJson }[] {
  return progress.runs.flatMap((run) => (progress.results[run.id] ? [{ run, result: progress.results[run.id] }] : []));
}

/**
 * A run's training work in record-epochs: what its time is roughly proportional to. The target
 * (twice with training defenses: the undefended copy measures their price), the k shadows when a
 * threshold or ML attack needs them, the N reference models (each on half the evaluation pool of
 * 2 × partSize records) when a reference attack needs them.
 */
export function runWork(config: ExperimentConfig): number {
  const kinds = new Set(config.attacks.map((name) => ATTACKS[name].kind));
  const trainingDefenses = Object.keys(config.defenses).some((id) => !isOutputDefense(id as DefenseId));
  let work = config.partSize * config.target.epochs * (trainingDefenses ? 2 : 1);
  if (kinds.has('threshold') || kinds.has('model')) work += config.partSize * config.shadow.count * config.shadow.epochs;
  if (kinds.has('reference')) work += config.partSize * config.reference.count * config.reference.epochs;
  return Math.max(1, work);
}

/**
 * Overall progress in [0, 1] (by work, so a 40-epoch run weighs more than a 3-epoch one) and
 * seconds left. Runs found stored count as done. The rate (seconds per unit of work) is measured
 * on the runs trained so far, or, before one has finished, on the run in progress from its own
 * fraction done.
 */
export function suiteEta(progress: SuiteProgress, currentFraction: number, now: number): { fraction: number; etaSeconds?: number } {
  const work = progress.runs.map((run) => runWork(run.config));
  const total = work.reduce((a, b) => a + b, 0);
  const finishedStatus = (status: SuiteRunStatus) => status !== 'pending' && status !== 'running';
  let done = 0;
  let currentWork = 0;
  let pendingWork = 0;
  let trainedWork = 0;
  let trainedSeconds = 0;
  progress.states.forEach((state, i) => {
    if (finishedStatus(state.status)) done += work[i];
    if (state.status === 'running') currentWork = work[i];
    if (state.status === 'pending') pendingWork += work[i];
    if (state.status === 'done' && state.seconds !== undefined) {
      trainedWork += work[i];
      trainedSeconds += state.seconds;
    }
  });
  const fraction = total > 0 ? Math.min(1, (done + currentWork * currentFraction) / total) : 1;
  if (progress.status !== 'running') return { fraction };
  const elapsed = progress.currentStartedAt !== undefined ? (now - progress.currentStartedAt) / 1000 : 0;
  let rate: number | undefined;
  if (trainedWork > 0) rate = trainedSeconds / trainedWork;
  else if (currentWork > 0 && currentFraction > 0.05) rate = elapsed / (currentWork * currentFraction);
  if (rate === undefined) return { fraction };
  const currentLeft = currentWork > 0 ? Math.max(0, rate * currentWork - elapsed) : 0;
  return { fraction, etaSeconds: currentLeft + pendingWork * rate };
}

/**
 * How far the run in progress is, from the run store's stages: the training stages weighted by
 * the work each carries (the data, prediction and attack stages are short beside them).
 */
export function currentRunFraction(config: ExperimentConfig | undefined, stages: Readonly<Record<string, StageProgress>>): number {
  if (!config) return 0;
  const kinds = new Set(config.attacks.map((name) => ATTACKS[name].kind));
  const trainingDefenses = Object.keys(config.defenses).some((id) => !isOutputDefense(id as DefenseId));
  const weights: [string, number][] = [['train-target', config.target.epochs]];
  if (trainingDefenses) weights.push(['train-undefended', config.target.epochs]);
  if (kinds.has('threshold') || kinds.has('model')) weights.push(['train-shadow', config.shadow.count * config.shadow.epochs]);
  if (kinds.has('reference')) weights.push(['train-references', config.reference.count * config.reference.epochs]);
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const done = weights.reduce((sum, [stage, w]) => sum + w * (stages[stage] ? (stageFraction(stages[stage]) ?? 0.5) : 0), 0);
  return total > 0 ? Math.min(1, done / total) : 0;
}
