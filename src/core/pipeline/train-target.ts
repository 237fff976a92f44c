/**
 * Stage train-target: the target model on target-train (its members), evaluated each epoch on
 * target-test (its non-members), under the config's training defenses. While it trains, the
 * metric attacks score each epoch's predictions (live.ts), so the ROC and the gap trajectory move
 * with training; their figures join the epoch's history.
 */
import type { ChosenThresholds } from '../attacks/evaluate';
import type { AttackName } from '../attacks/registry';
import type { Predictions } from '../attacks/signals';
import type { ExperimentConfig } from '../config';
import { createRng } from '../random';
import { trainClassifier, type EpochMetrics } from '../models/train';
import { gatherImages } from '../datasets/split';
import { selectRecords } from '../defenses/early-stopping';
import type { TensorPart } from '../models/predict';
import { appendImages, canaryImages } from '../privacy/canaries';
import { runCanaries } from './audit';
import type { RunContext } from './context';
import type { PipelineData } from './data';
import { epochAttackMetrics, liveSnapshot, LivePacer } from './live';
import type { RunPlan } from './plan';
import { targetInputs } from './keys';
import { cachedStage, stageKey } from './stage-cache';
import { keepCachedModel, keepModel, recordTrainedModel, trainedModelCodec, type TrainedModelRecord } from './trained-model';

/** The target's seed: the first of the 'models' stream. */
export function targetSeed(config: ExperimentConfig): number {
  return createRng(config.seed, 'models').nextSeed();
}

/**
 * Target-train, plus the audit's canaries whose coins said IN appended after it (the members stay
 * positions 0..partSize−1 of the trained set, so every later stage reads them as before).
 */
function uploadTargetTrain(ctx: RunContext, data: PipelineData): { train: TensorPart; canaryCount: number } {
  const { dataset, split } = data;
  const canaries = runCanaries(ctx.config, data);
  if (!canaries) return { train: ctx.upload(dataset, split.targetTrain), canaryCount: 0 };
  const images = appendImages(gatherImages(dataset, split.targetTrain), canaryImages(dataset, canaries, 'included'));
  return { train: ctx.upload({ ...dataset, ...images }, Int32Array.from({ length: images.count }, (_, i) => i)), canaryCount: images.count - split.targetTrain.length };
}

/** The history to report: the live attack figures only when they were computed under the same attack settings. */
export function reportedHistory(record: TrainedModelRecord, liveKey: string): readonly EpochMetrics[] {
  if (record.liveKey === liveKey) return record.history;
  return record.history.map(({ attacks: _attacks, ...metrics }) => metrics);
}

export interface LiveAttackInput {
  /** What the attacker sees of a prediction vector (the output defenses). */
  readonly defend: (predictions: Predictions, stream: string) => Predictions;
  /**
   * Thresholds from the shadow models, once they are trained: read at every live snapshot, since
   * with a training pool the shadows finish while the target trains (absent until then: the
   * snapshot says "no shadow threshold yet").
   */
  readonly thresholds: () => ReadonlyMap<AttackName, ChosenThresholds> | undefined;
  /** A key of everything the live figures depend on beyond the model (see TrainedModelRecord.liveKey). */
  readonly key: string;
}

export async function trainTarget(ctx: RunContext, data: PipelineData, plan: RunPlan, live: LiveAttackInput): Promise<{ value: TrainedModelRecord; cached: boolean }> {
  const { config } = ctx;
  const { dataset, split } = data;
  return ctx.stage('train-target', async () => {
    const outcome = await cachedStage({
      cache: ctx.deps.cache,
      key: stageKey('train-target', targetInputs(config, data.identity, plan)),
      codec: trainedModelCodec,
      what: 'the target model',
      warn: (message) => ctx.warn(message),
      compute: async () => {
        const { train, canaryCount } = uploadTargetTrain(ctx, data);
        const test = ctx.upload(dataset, split.targetTest);
        // Live attacks score the members only, never the canaries appended after them.
        const members = Int32Array.from(split.targetTrain, (_, i) => i);
        const pacer = new LivePacer();
        const history: EpochMetrics[] = [];
        try {
          const trained = await trainClassifier({
            config: config.target,
            inputShape: dataset.shape,
            numClasses: dataset.numClasses,
            signal: ctx.deps.signal,
            gate: ctx.deps.gate,
            seed: targetSeed(config),
            train,
            test,
            name: 'target model',
            defenses: plan.trainingDefenses,
            onEpoch: (metrics, predictions) => {
              let withAttacks = metrics;
              if (pacer.due(metrics.epoch, metrics.epochs)) {
                const started = Date.now();
                const seen = canaryCount > 0 ? { ...predictions, train: selectRecords(predictions.train, members) } : predictions;
                const snapshot = liveSnapshot(metrics, seen, { attacks: plan.attacks, seed: config.seed, defend: live.defend, thresholds: live.thresholds() });
                withAttacks = { ...metrics, attacks: epochAttackMetrics(snapshot) };
                ctx.progress({ type: 'live-attack', snapshot });
                pacer.record(metrics.seconds, (Date.now() - started) / 1000);
              } else {
                pacer.record(metrics.seconds);
              }
              history.push(withAttacks);
              ctx.progress({ type: 'epoch', model: 'target', index: 0, count: 1, metrics: withAttacks });
            },
          });
          try {
            await keepModel(ctx, 'target', 0, trained.model);
            return { ...(await recordTrainedModel(trained, train, test, history)), liveKey: live.key };
          } finally {
            trained.model.dispose();
          }
        } finally {
          ctx.release(train);
          ctx.release(test);
        }
      },
    });
    if (outcome.cached) await keepCachedModel(ctx, 'target', 0, outcome.value, { architecture: config.target.architecture, inputShape: dataset.shape, numClasses: dataset.numClasses, defenses: plan.trainingDefenses });
    return outcome;
  });
}
