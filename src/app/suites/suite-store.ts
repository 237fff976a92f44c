/**
 * The suites page's state: which suite and size are picked, and the runner's progress. Starting a
 * suite wires the one suite runner (core/suites/runner.ts) to the real worker (executeRun, shared with the Run button) and to
 * IndexedDB (suite-runs, keyed by runKey).
 */
import { create } from 'zustand';
import type { ExperimentResult } from '../../core/experiment';
import type { ResultsJson } from '../../core/results';
import { resultsJsonInWorker } from '../records/records-worker';
import { SUITES, getSuite, type SuiteRun, type SuiteSize } from '../../core/suites/suites';
import { loadSuiteRun, saveSuiteRun } from '../../shared/storage/db';
import { cancelRun, executeRun, keepResult, runIsActive } from '../state/actions';
import { configHash } from '../../core/hash';
import { useUiStore } from '../state/ui-store';
import { SuiteRunner, plannedSuite, type SuiteDeps, type SuiteProgress } from '../../core/suites/runner';
import { suiteOutcome } from './suite-queue';

export interface SuiteState {
  readonly name: string;
  readonly size: SuiteSize;
  readonly progress: SuiteProgress;
  /** The runner is running (or stopping). */
  readonly active: boolean;
  choose(name: string, size: SuiteSize): void;
}

const first = SUITES[0];

export const useSuiteStore = create<SuiteState>()((set, get) => ({
  name: first.name,
  size: 'quick',
  progress: plannedSuite(first, 'quick'),
  active: false,
  choose(name, size) {
    if (get().active) return;
    set({ name, size, progress: plannedSuite(getSuite(name), size) });
    // Show what is already stored for this grid without starting anything.
    void showStored();
  },
}));

let runner: SuiteRunner | undefined;

/** What a stored suite run says about itself besides the result. */
function storedExtra(): Record<string, unknown> {
  return { createdAt: new Date().toISOString(), engine: { app: 'MIA Lab (browser)' } };
}


function realDeps(): SuiteDeps {
  return {
    lookup: async (key) => (await loadSuiteRun(key))?.result,
    async store(key: string, run: SuiteRun, suite: string, result: ExperimentResult) {
      // Made in the Records view's worker: its breakdown by class is per-record work (issue 10).
      const json = await resultsJsonInWorker(result, storedExtra());
      await saveSuiteRun({ key, suite, runId: run.id, result: json, finishedAt: Date.now() });
      // The run joins the session's runs too, so the gap and privacy charts include it.
      await keepResult({ hash: configHash(run.config), config: run.config, result, finishedAt: Date.now(), origin: 'run' }, false);
      return json;
    },
    execute: async (run) => suiteOutcome(await executeRun(run.config, configHash(run.config))),
    cancel: cancelRun,
    onChange: (progress) => useSuiteStore.setState({ progress }),
    now: () => Date.now(),
  };
}

/** Mark the runs of the chosen grid already in IndexedDB as cached. */
export async function showStored(): Promise<void> {
  const { name, size } = useSuiteStore.getState();
  const planned = plannedSuite(getSuite(name), size);
  const results: Record<string, ResultsJson> = {};
  const states = await Promise.all(
    planned.states.map(async (state) => {
      const stored = await loadSuiteRun(state.key).catch(() => undefined);
      if (stored) results[state.id] = stored.result;
      return stored ? { ...state, status: 'cached' as const } : state;
    }),
  );
  const current = useSuiteStore.getState();
  if (current.active || current.name !== name || current.size !== size) return;
  useSuiteStore.setState({ progress: { ...planned, states, results } });
}

export async function startSuite(): Promise<void> {
  const { name, size, active } = useSuiteStore.getState();
  if (active) return;
  if (runIsActive()) {
    useUiStore.getState().say('notice', 'A run is in progress; cancel it or let it finish before starting a suite.');
    return;
  }
  runner = new SuiteRunner(getSuite(name), size, realDeps());
  useSuiteStore.setState({ active: true, progress: runner.state });
  try {
    await runner.run();
  } finally {
    useSuiteStore.setState({ active: false });
    runner = undefined;
  }
}

export function stopSuite(): void {
  runner?.stop();
}
