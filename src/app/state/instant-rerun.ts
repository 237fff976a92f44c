/**
 * Controls that answer at once: after a run, a change that needs no training (an output defense,
 * which attacks run, an attack's parameters) re-runs the experiment right away. The worker then
 * takes every trained model's weights and logits from its stage cache, so only the cheap stages
 * (defend, attack, audit) run. A change that would train waits for the Run button as before.
 */
import type { ExperimentConfig } from '../../core/config';
import { configHash } from '../../core/hash';
import { trainingStageKeys } from '../../core/pipeline/keys';
import { runIsActive, startRun } from './actions';
import { useConfigStore } from './config-store';
import { useResultsStore, type ResultsState } from './results-store';
import { useRunStore } from './run-store';

/**
 * Each config's training keys, hashed once: the check below runs on every control change (twice:
 * here and in the results view) over every run of the session, inside the input event.
 */
const keysOf = new WeakMap<ExperimentConfig, readonly string[]>();

function trainingKeys(config: ExperimentConfig): readonly string[] {
  let keys = keysOf.get(config);
  if (!keys) keysOf.set(config, (keys = trainingStageKeys(config)));
  return keys;
}

/** Whether every model `config` needs was trained by a run we hold (so the worker has it cached). */
export function needsNoTraining(config: ExperimentConfig, runs: ResultsState['runs']): boolean {
  const trained = new Set(Object.values(runs).flatMap((run) => (run.origin === 'run' ? trainingKeys(run.config) : [])));
  return trained.size > 0 && trainingKeys(config).every((key) => trained.has(key));
}

let queued = false;

/** Re-run the current config now if it needs no training and has no result yet; coalesce changes made meanwhile. */
export async function rerunIfInstant(): Promise<void> {
  if (runIsActive()) {
    queued = true;
    return;
  }
  const { config } = useConfigStore.getState();
  const { runs } = useResultsStore.getState();
  if (runs[configHash(config)] || !needsNoTraining(config, runs)) return;
  await startRun();
  if (queued) {
    queued = false;
    await rerunIfInstant();
  }
}

/** Start watching the controls (and the end of runs, for changes made meanwhile); returns the unsubscribe function. */
export function watchInstantReruns(): () => void {
  const stopConfig = useConfigStore.subscribe((state, previous) => {
    if (state.config !== previous.config) void rerunIfInstant();
  });
  const stopRuns = useRunStore.subscribe((state, previous) => {
    if (state.run.status === 'done' && previous.run.status !== 'done' && queued) {
      queued = false;
      // After the finished run is kept (keepResult runs right after the status changes).
      setTimeout(() => void rerunIfInstant(), 0);
    }
  });
  return () => {
    stopConfig();
    stopRuns();
  };
}
