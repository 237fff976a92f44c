/**
 * The state of the run in progress (or the last one): per-stage progress with an ETA, the live
 * training curves, the backend that runs it, and how it ended. The reducer is pure and tested;
 * the store only applies it.
 */
import { create } from 'zustand';
import type { ExperimentConfig } from '../../core/config';
import type { ProgressEvent } from '../../core/experiment';
import { STAGES, type StageName } from '../../core/stages';
import type { EpochMetrics } from '../../core/models/train';
import type { LiveAttackSnapshot } from '../../core/pipeline/live';
import type { BackendInfo, DatasetSource, GateState, SerializedError } from '../../../workers/protocol';

export type RunStatus = 'idle' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'error' | 'crashed';

export interface StageProgress {
  readonly status: 'pending' | 'running' | 'done' | 'skipped';
  /** ms timestamps (Date.now()). */
  readonly startedAt?: number;
  readonly lastEventAt?: number;
  readonly seconds?: number;
  /** The epoch of the model training now, of `epochs`. */
  readonly epoch?: number;
  readonly epochs?: number;
  /** Stages that train several models (shadows, references): how many, and how many are done. */
  readonly modelCount?: number;
  readonly modelsDone?: number;
  readonly modelIndex?: number;
  /** Sum and count of the epochs trained so far in this stage, for the ETA. */
  readonly epochSeconds?: number;
  readonly epochsRun?: number;
  /** The core's own estimate of the rest of the stage at the last model-done event, and when it came. */
  readonly coreEtaSeconds?: number;
  readonly modelDoneAt?: number;
}

export interface RunProgress {
  readonly status: RunStatus;
  readonly config?: ExperimentConfig;
  readonly configHash?: string;
  readonly startedAt?: number;
  readonly stages: Readonly<Record<StageName, StageProgress>>;
  /** Live curves per model role ("target", "shadow", …), of the first model of each role. */
  readonly history: Readonly<Record<string, readonly EpochMetrics[]>>;
  readonly backend?: BackendInfo;
  readonly dataset?: { readonly name: string; readonly count: number; readonly source: DatasetSource };
  readonly error?: SerializedError;
  /** Worker crashes and restarts, in words. */
  readonly crash?: string;
  readonly notices: readonly string[];
  /** The pause gate as the worker last reported it (absent: never paused). */
  readonly gate?: GateState;
  /** When the run came to stand at the gate; the clocks of the ETA stop meanwhile. */
  readonly pausedAt?: number;
  /** The target's latest live attack figures and curves (pipeline/live.ts), while it trains. */
  readonly live?: LiveAttackSnapshot;
}

function pendingStages(): Record<StageName, StageProgress> {
  return Object.fromEntries(STAGES.map((stage) => [stage, { status: 'pending' }])) as Record<StageName, StageProgress>;
}

export const IDLE_RUN: RunProgress = { status: 'idle', stages: pendingStages(), history: {}, notices: [] };

export function startedRun(config: ExperimentConfig, configHash: string, now: number): RunProgress {
  return { ...IDLE_RUN, status: 'running', config, configHash, startedAt: now, stages: pendingStages() };
}

export const MADE_AHEAD_NOTICE = 'Made ahead from the cached models while the last result was on screen: shown without a run.';

/** What the run panel shows for a result made ahead: a finished run whose stages all came from the cache, on the last run's backend. */
export function madeAheadRun(last: RunProgress, config: ExperimentConfig, configHash: string, now: number): RunProgress {
  const run = finishStages(startedRun(config, configHash, now), 'done');
  return { ...run, ...(last.backend ? { backend: last.backend } : {}), notices: [MADE_AHEAD_NOTICE] };
}

/** The stage that trains models of `role`: "train-target", "train-shadow", "train-references". */
export function trainingStageOf(role: string): StageName | undefined {
  return STAGES.find((stage) => stage === `train-${role}` || stage === `train-${role}s`);
}

function withStage(run: RunProgress, stage: StageName, update: (previous: StageProgress) => StageProgress): RunProgress {
  return { ...run, stages: { ...run.stages, [stage]: update(run.stages[stage] ?? { status: 'pending' }) } };
}

/** Fold one progress event into the run. Unknown event types (a newer core) are ignored. */
export function reduceProgress(run: RunProgress, event: ProgressEvent, now: number): RunProgress {
  switch (event.type) {
    case 'stage-start':
      return withStage(run, event.stage, () => ({ status: 'running', startedAt: now, lastEventAt: now }));
    case 'stage-end':
      return withStage(run, event.stage, (previous) => ({ ...previous, status: 'done', seconds: event.seconds }));
    case 'epoch': {
      const stage = trainingStageOf(event.model);
      const { metrics } = event;
      const next = stage
        ? withStage(run, stage, (previous) => ({
            ...previous,
            status: previous.status === 'pending' ? 'running' : previous.status,
            epoch: metrics.epoch,
            epochs: metrics.epochs,
            modelIndex: event.index,
            modelCount: event.count,
            modelsDone: previous.modelsDone ?? 0,
            lastEventAt: now,
            epochSeconds: (previous.epochSeconds ?? 0) + metrics.seconds,
            epochsRun: (previous.epochsRun ?? 0) + 1,
          }))
        : run;
      if (event.index !== 0) return next;
      return { ...next, history: { ...next.history, [event.model]: [...(next.history[event.model] ?? []), metrics] } };
    }
    case 'model-done': {
      const stage = trainingStageOf(event.model);
      if (!stage) return run;
      return withStage(run, stage, (previous) => ({
        ...previous,
        status: previous.status === 'pending' ? 'running' : previous.status,
        modelCount: event.count,
        modelsDone: Math.max(previous.modelsDone ?? 0, event.index + 1),
        epoch: 0,
        lastEventAt: now,
        coreEtaSeconds: event.etaSeconds,
        modelDoneAt: now,
      }));
    }
    case 'live-attack':
      return { ...run, live: event.snapshot };
    case 'warning':
      return run.notices.includes(event.message) ? run : { ...run, notices: [...run.notices, event.message] };
    default:
      return run;
  }
}

/**
 * Fold a gate report into the run. While the run stands at the gate its ETA clocks stop: on
 * leaving it, every running stage's timestamps move forward by the time spent there.
 */
export function reduceGate(run: RunProgress, gate: GateState, now: number): RunProgress {
  if (gate.held) return { ...run, gate, pausedAt: run.pausedAt ?? now };
  if (run.pausedAt === undefined) return { ...run, gate };
  const shift = now - run.pausedAt;
  const moved = (t: number | undefined) => (t === undefined ? undefined : t + shift);
  const stages = Object.fromEntries(
    Object.entries(run.stages).map(([name, stage]) => [
      name,
      stage.status === 'running'
        ? { ...stage, startedAt: moved(stage.startedAt), lastEventAt: moved(stage.lastEventAt), modelDoneAt: moved(stage.modelDoneAt) }
        : stage,
    ]),
  ) as Record<StageName, StageProgress>;
  return { ...run, gate, stages, pausedAt: undefined };
}

/** What the pause controls show: running, pausing (asked, the epoch is finishing), paused (held). */
export function pauseState(run: RunProgress): 'running' | 'pausing' | 'paused' {
  if (run.gate?.mode !== 'paused') return 'running';
  return run.gate.held ? 'paused' : 'pausing';
}

/** The clock the ETA reads: frozen while the run stands at the gate. */
export function runClock(run: RunProgress, now: number): number {
  return run.pausedAt ?? now;
}

/** Stages that never started in a finished run were skipped (no shadow needed, say). */
export function finishStages(run: RunProgress, status: RunStatus): RunProgress {
  if (status !== 'done') return { ...run, status };
  const stages = Object.fromEntries(
    STAGES.map((stage) => [stage, run.stages[stage]?.status === 'pending' ? { status: 'skipped' } : run.stages[stage]]),
  ) as Record<StageName, StageProgress>;
  return { ...run, status, stages };
}

/** Epochs finished in the stage, counting finished models whole. */
function epochsDone(stage: StageProgress): number {
  const epochs = stage.epochs ?? 0;
  const done = stage.modelsDone ?? 0;
  const current = stage.modelIndex !== undefined && stage.modelIndex >= done ? stage.epoch ?? 0 : 0;
  return done * epochs + current;
}

/** Fraction done in [0, 1], or undefined where a stage has no measure of progress (data loading). */
export function stageFraction(stage: StageProgress): number | undefined {
  if (stage.status === 'done' || stage.status === 'skipped') return 1;
  if (stage.status === 'pending') return 0;
  const count = stage.modelCount ?? 1;
  if (stage.epochs) return Math.min(1, epochsDone(stage) / (count * stage.epochs));
  if (stage.modelCount) return (stage.modelsDone ?? 0) / stage.modelCount;
  return undefined;
}

/**
 * Seconds left in a training stage. Stages of several models (shadows, references) use the
 * core's estimate at the last model-done event, less the time since; before the first model is
 * done, and for the target, the mean epoch so far times the epochs left, less the time since the
 * last epoch.
 */
export function stageEtaSeconds(stage: StageProgress, now: number): number | undefined {
  if (stage.status !== 'running') return undefined;
  if (stage.coreEtaSeconds !== undefined && stage.modelDoneAt !== undefined) {
    return Math.max(0, stage.coreEtaSeconds - (now - stage.modelDoneAt) / 1000);
  }
  const sinceLast = stage.lastEventAt ? (now - stage.lastEventAt) / 1000 : 0;
  if (stage.epochs && stage.epochsRun && stage.epochSeconds) {
    const mean = stage.epochSeconds / stage.epochsRun;
    const remaining = (stage.modelCount ?? 1) * stage.epochs - epochsDone(stage);
    return Math.max(0, mean * remaining - sinceLast);
  }
  if (stage.coreEtaSeconds !== undefined) return Math.max(0, stage.coreEtaSeconds - sinceLast);
  return undefined;
}

export interface RunStore {
  readonly run: RunProgress;
  start(config: ExperimentConfig, configHash: string): void;
  /** The run behind a result made ahead (ahead.ts), now shown: finished, nothing run or trained now. */
  madeAhead(config: ExperimentConfig, configHash: string): void;
  progress(event: ProgressEvent): void;
  setBackend(info: BackendInfo): void;
  setDataset(dataset: RunProgress['dataset']): void;
  notice(message: string): void;
  cancelling(): void;
  gate(state: GateState): void;
  finish(status: RunStatus, detail?: { error?: SerializedError; crash?: string }): void;
}

export const useRunStore = create<RunStore>()((set) => ({
  run: IDLE_RUN,
  start: (config, configHash) => set({ run: startedRun(config, configHash, Date.now()) }),
  madeAhead: (config, configHash) => set(({ run }) => ({ run: madeAheadRun(run, config, configHash, Date.now()) })),
  progress: (event) => set(({ run }) => ({ run: reduceProgress(run, event, Date.now()) })),
  setBackend: (backend) => set(({ run }) => ({ run: { ...run, backend, notices: [...run.notices, ...backend.notices] } })),
  setDataset: (dataset) => set(({ run }) => ({ run: { ...run, dataset } })),
  notice: (message) => set(({ run }) => ({ run: { ...run, notices: [...run.notices, message] } })),
  cancelling: () => set(({ run }) => ({ run: run.status === 'running' ? { ...run, status: 'cancelling' } : run })),
  gate: (state) => set(({ run }) => ({ run: reduceGate(run, state, Date.now()) })),
  finish: (status, detail = {}) =>
    set(({ run }) => ({ run: { ...finishStages(run, status), ...detail, gate: undefined, pausedAt: undefined } })),
}));
