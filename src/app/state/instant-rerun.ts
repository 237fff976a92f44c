/**
 * Controls that answer at once: after a run, a change that needs no training (an output defense,
 * which attacks run, an attack's parameters) re-runs the experiment right away. The worker then
 * takes every trained model's weights and logits from its stage cache, so only the cheap stages
 * (defend, attack, audit) run. A change that would train waits for the Run button as before.
 */
import type { ExperimentConfig } from '../../core/config';
import { configHash } from '../../core/hash';
import { trainingStageKeys } from '../../core/pipeline/keys';
import { keepResult, runIsActive, speculate, startRun } from './actions';
import { isHeldAhead, nextSteps, takeAhead } from './ahead';
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
/** The config of the last change that needed no training: the next one's step is measured from it (ahead.ts). */
let lastInstant: ExperimentConfig | undefined;

/** The next steps of the change from `lastInstant` to `config` (ahead.ts), which becomes the last. */
function stepsAhead(config: ExperimentConfig): ExperimentConfig[] {
  const before = lastInstant;
  lastInstant = config;
  if (!before) return [];
  return nextSteps(before, config, (next) => {
    const { runs } = useResultsStore.getState();
    const hash = configHash(next);
    return !runs[hash] && !isHeldAhead(hash) && needsNoTraining(next, runs);
  });
}

/** Re-run the current config now if it needs no training and has no result yet; coalesce changes made meanwhile. */
export async function rerunIfInstant(): Promise<void> {
  if (runIsActive()) {
    queued = true;
    return;
  }
  const { config } = useConfigStore.getState();
  const { runs } = useResultsStore.getState();
  const hash = configHash(config);
  if (!needsNoTraining(config, runs)) return;
  const steps = stepsAhead(config);
  const ask = () => (steps.length > 0 ? speculate(steps) : undefined);
  if (runs[hash]) ask();
  else {
    const ready = takeAhead(hash);
    if (ready) {
      // Made ahead: shown as a run's result is, without the worker. The next step is asked after:
      // asked before, its making slowed the page drawing this one (bench: 45–80 → 87–160 ms).
      await keepResult({ hash, config, result: ready, finishedAt: Date.now(), origin: 'run' }, true);
      ask();
    } else {
      // The run is posted first: the worker makes the next step as soon as this one is answered.
      const running = startRun();
      ask();
      await running;
    }
  }
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
