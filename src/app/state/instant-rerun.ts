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
import { isHeldAhead, nextSteps, nextToggles, takeAhead } from './ahead';
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

/** The training keys of every run we hold that ran here (so the worker has its models cached). */
function trainedKeys(runs: ResultsState['runs']): ReadonlySet<string> {
  return new Set(Object.values(runs).flatMap((run) => (run.origin === 'run' ? trainingKeys(run.config) : [])));
}

function trainsNothing(config: ExperimentConfig, trained: ReadonlySet<string>): boolean {
  return trained.size > 0 && trainingKeys(config).every((key) => trained.has(key));
}

/** Whether every model `config` needs was trained by a run we hold (so the worker has it cached). */
export function needsNoTraining(config: ExperimentConfig, runs: ResultsState['runs']): boolean {
  return trainsNothing(config, trainedKeys(runs));
}

let queued = false;
/** The config of the last change that needed no training: the next one's step is measured from it (ahead.ts). */
let lastInstant: ExperimentConfig | undefined;

/** Which configs are worth making ahead now: not stored, not held, and needing no training. */
function wantedAhead(): (next: ExperimentConfig) => boolean {
  const { runs } = useResultsStore.getState();
  const trained = trainedKeys(runs);
  return (next) => {
    const hash = configHash(next);
    return !runs[hash] && !isHeldAhead(hash) && trainsNothing(next, trained);
  };
}

/** The next steps of the change from `lastInstant` to `config` (ahead.ts), which becomes the last. */
function stepsAhead(config: ExperimentConfig): ExperimentConfig[] {
  const before = lastInstant;
  lastInstant = config;
  return before ? nextSteps(before, config, wantedAhead()) : [];
}

/**
 * A student switches a defense after reading a result, not between the steps of a slider: the
 * switches are asked only once the controls have been still this long. Asked at once, their making
 * (about 0.15 s each) held up the runs of quick changes that came meanwhile (bench: the worker's
 * part of a jump 140 → 220 ms).
 */
export const SWITCHES_AFTER_MS = 300;

let switchesTimer: ReturnType<typeof setTimeout> | undefined;

/** Has the worker make ahead the defense switches of `config` (ahead.ts) once the controls are still, after `steps` not yet held. */
function askSwitchesLater(config: ExperimentConfig, steps: readonly ExperimentConfig[]): void {
  clearTimeout(switchesTimer);
  switchesTimer = setTimeout(() => {
    if (useConfigStore.getState().config !== config || runIsActive()) return;
    const wanted = wantedAhead();
    const asked = new Set(steps.map(configHash));
    const switches = nextToggles(config, wanted).filter((toggle) => !asked.has(configHash(toggle)));
    // A newer list replaces the worker's queue: the steps not made yet stay first.
    if (switches.length > 0) speculate([...steps.filter(wanted), ...switches]);
  }, SWITCHES_AFTER_MS);
}

/** True from a change's re-run until its result is kept, so the end of that run asks nothing twice. */
let instantRunning = false;

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
  const askSteps = () => (steps.length > 0 ? speculate(steps) : undefined);
  if (runs[hash]) askSteps();
  else {
    const ready = takeAhead(hash);
    instantRunning = true;
    try {
      if (ready) {
        // Made ahead: shown as a run's result is, without the worker. The next step is asked after:
        // asked before, its making slowed the page drawing this one (bench: 45–80 → 87–160 ms).
        useRunStore.getState().madeAhead(config, hash);
        await keepResult({ hash, config, result: ready, finishedAt: Date.now(), origin: 'run' }, true);
        askSteps();
      } else {
        // The run is posted first: the worker makes the next step as soon as this one is answered.
        const running = startRun();
        askSteps();
        await running;
      }
    } finally {
      instantRunning = false;
    }
  }
  askSwitchesLater(config, steps);
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
    if (state.run.status !== 'done' || previous.run.status === 'done') return;
    // After the finished run is kept (keepResult runs right after the status changes).
    if (queued) {
      queued = false;
      setTimeout(() => void rerunIfInstant(), 0);
    } else if (!instantRunning) {
      // A run of the Run button: its defense switches are made ahead.
      setTimeout(() => {
        const { config } = useConfigStore.getState();
        if (useResultsStore.getState().runs[configHash(config)]) askSwitchesLater(config, []);
      }, 0);
    }
  });
  return () => {
    stopConfig();
    stopRuns();
  };
}
