/**
 * The one suite runner, used by the CLI (`lab suite`, files in DIR/runs/) and the app (the worker,
 * IndexedDB). It walks a suite's grid: a run already stored under runKey(run) (a hash of its whole
 * config) is reused, never retrained, so a stopped suite resumes where it stopped; the others are
 * trained one after another. One failed run does not sink the suite: the others still answer part
 * of the question. Where results are kept and how a run is trained come in through SuiteDeps, so
 * the logic is tested with a fake runner and store.
 */
import type { ExperimentResult } from '../experiment';
import type { ResultsJson } from '../results';
import { runKey, type SuiteDefinition, type SuiteRun, type SuiteSize } from './suites';

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

/** How one trained run ended, as each shell reports it. */
export type SuiteRunOutcome =
  | { readonly kind: 'result'; readonly result: ExperimentResult }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly message: string };

export interface SuiteDeps {
  /** The stored results.json of a run, if any. */
  lookup(key: string, run: SuiteRun): Promise<ResultsJson | undefined>;
  /** Keep a finished run; returns the results.json kept. */
  store(key: string, run: SuiteRun, suite: string, result: ExperimentResult): Promise<ResultsJson>;
  /** Train one run. */
  execute(run: SuiteRun): Promise<SuiteRunOutcome>;
  /** Stop the run in progress. */
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

export class SuiteRunner {
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
      const stored = await this.deps.lookup(this.progress.states[i].key, run).catch(() => undefined);
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
        this.setState(i, { status: 'failed', seconds, error: outcome.message });
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

/** An error as one line: its message, then the fields a ConfigError names. */
export function describeFailure(error: { readonly message: string; readonly problems?: readonly unknown[] }): string {
  return [error.message, ...(error.problems ?? []).map(String)].join('; ');
}
