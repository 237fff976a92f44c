/**
 * The app's side of a suite: its runs go through the one suite runner (core/suites/runner.ts, the
 * CLI's too) on the experiment worker; here is what the page adds, the outcome of a worker run in
 * the runner's terms and the progress bar's fraction and ETA.
 */
import { ATTACKS, usesReferences, usesShadows } from '../../core/attacks/registry';
import type { ExperimentConfig } from '../../core/config';
import { isOutputDefense, type DefenseId } from '../../core/defenses/registry';
import { describeFailure, type SuiteProgress, type SuiteRunOutcome, type SuiteRunStatus } from '../../core/suites/runner';
import { stageFraction, type StageProgress } from '../state/run-store';
import type { RunOutcome } from '../worker/experiment-client';

/** A worker run's outcome as the suite runner counts it. */
export function suiteOutcome(outcome: RunOutcome): SuiteRunOutcome {
  switch (outcome.kind) {
    case 'result':
      return outcome;
    case 'cancelled':
      return { kind: 'cancelled' };
    case 'error':
      return { kind: 'failed', message: describeFailure(outcome.error) };
    case 'crashed':
      return { kind: 'failed', message: outcome.message };
  }
}

/** Whether a run trains shadow and reference models: the registry says which attacks need them. */
function modelsNeeded(config: ExperimentConfig): { shadows: boolean; references: boolean } {
  return { shadows: config.attacks.some((name) => usesShadows(ATTACKS[name])), references: config.attacks.some((name) => usesReferences(ATTACKS[name])) };
}

/**
 * A run's training work in record-epochs: what its time is roughly proportional to. The target
 * (twice with training defenses: the undefended copy measures their price), the k shadows when a
 * threshold or ML attack needs them, the N reference models (each on half the evaluation pool of
 * 2 × partSize records) when a reference attack needs them.
 */
export function runWork(config: ExperimentConfig): number {
  const needs = modelsNeeded(config);
  const trainingDefenses = Object.keys(config.defenses).some((id) => !isOutputDefense(id as DefenseId));
  let work = config.partSize * config.target.epochs * (trainingDefenses ? 2 : 1);
  if (needs.shadows) work += config.partSize * config.shadow.count * config.shadow.epochs;
  if (needs.references) work += config.partSize * config.reference.count * config.reference.epochs;
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
  const needs = modelsNeeded(config);
  const trainingDefenses = Object.keys(config.defenses).some((id) => !isOutputDefense(id as DefenseId));
  const weights: [string, number][] = [['train-target', config.target.epochs]];
  if (trainingDefenses) weights.push(['train-undefended', config.target.epochs]);
  if (needs.shadows) weights.push(['train-shadow', config.shadow.count * config.shadow.epochs]);
  if (needs.references) weights.push(['train-references', config.reference.count * config.reference.epochs]);
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const done = weights.reduce((sum, [stage, w]) => sum + w * (stages[stage] ? (stageFraction(stages[stage]) ?? 0.5) : 0), 0);
  return total > 0 ? Math.min(1, done / total) : 0;
}
