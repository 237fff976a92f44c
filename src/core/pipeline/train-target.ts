/**
 * Stage train-target: the target model on target-train (its members), evaluated each epoch on
 * target-test (its non-members), under the config's training defenses. While it trains, the
 * metric attacks score each epoch's predictions (live.ts), so the ROC and the gap trajectory move
 * with training; their figures join the epoch's history.
 */
import type { AttackName } from '../attacks/registry';
import type { Predictions } from '../attacks/signals';
import type { ExperimentConfig } from '../config';
import { createRng } from '../random';
import { trainClassifier, type EpochMetrics } from '../models/train';
import type { RunContext } from './context';
import type { PipelineData } from './data';
import { epochAttackMetrics, liveSnapshot, LivePacer } from './live';
import type { RunPlan } from './plan';
import { cachedStage, stageKey } from './stage-cache';
import { keepModel, recordTrainedModel, trainedModelCodec, type TrainedModelRecord } from './trained-model';

/** The target's seed: the first of the 'models' stream. */
export function targetSeed(config: ExperimentConfig): number {
  return createRng(config.seed, 'models').nextSeed();
}

/** What the target reads: the data, its recipe, the training defenses. No attack or output defense. */
export function targetInputs(config: ExperimentConfig, data: PipelineData, plan: RunPlan): unknown {
  return { data: data.identity, training: config.target, defenses: plan.trainingDefenses };
}

/** The history to report: the live attack figures only when they were computed under the same attack settings. */
export function reportedHistory(record: TrainedModelRecord, liveKey: string): readonly EpochMetrics[] {
  if (record.liveKey === liveKey) return record.history;
  return record.history.map(({ attacks: _attacks, ...metrics }) => metrics);
}

export interface LiveAttackInput {
  /** What the attacker sees of a prediction vector (the output defenses). */
  readonly defend: (predictions: Predictions, stream: string) => Predictions;
  /** Thresholds from the shadow models, when they are trained. */
  readonly thresholds?: ReadonlyMap<AttackName, number>;
  /** A key of everything the live figures depend on beyond the model (see TrainedModelRecord.liveKey). */
  readonly key: string;
}

export async function trainTarget(ctx: RunContext, data: PipelineData, plan: RunPlan, live: LiveAttackInput): Promise<{ value: TrainedModelRecord; cached: boolean }> {
  const { config } = ctx;
  const { dataset, split } = data;
  return ctx.stage('train-target', () =>
    cachedStage({
      cache: ctx.deps.cache,
      key: stageKey('train-target', targetInputs(config, data, plan)),
      codec: trainedModelCodec,
      what: 'the target model',
      warn: (message) => ctx.warn(message),
      compute: async () => {
        const train = ctx.upload(dataset, split.targetTrain);
        const test = ctx.upload(dataset, split.targetTest);
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
                const snapshot = liveSnapshot(metrics, predictions, { attacks: plan.attacks, seed: config.seed, defend: live.defend, thresholds: live.thresholds });
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
    }),
  );
}
