/**
 * The pipeline of one experiment, the engine's single entry point (ML Privacy Meter's stages):
 * data → split → train target and shadow → prediction vectors → attack scores → metrics.
 * Pure: the caller supplies the dataset loader and receives plain numbers back; every tensor made
 * here is disposed before it returns, on success, error or cancellation alike.
 */
import * as tf from '@tensorflow/tfjs';
import { ATTACKS, type AttackName } from './attacks/registry';
import { evaluateAttacks, type AttackResult } from './attacks/evaluate';
import type { Predictions } from './attacks/signals';
import { throwIfCancelled, type CancelSignal } from './cancel';
import type { DatasetConfig, ExperimentConfig } from './config';
import { gatherImages, splitPool } from './datasets/split';
import type { ImageDataset } from './datasets/types';
import { predict, uploadPart, disposePart, type TensorPart } from './models/predict';
import { accuracy, meanLoss, trainClassifier, type EpochMetrics } from './models/train';
import { createRng } from './random';

export const STAGES = ['load-data', 'train-target', 'train-shadow', 'predict', 'attack'] as const;
export type StageName = (typeof STAGES)[number];

export type ModelRole = 'target' | 'shadow';

/** What a running experiment reports, as a discriminated union. */
export type ProgressEvent =
  | { readonly type: 'stage-start'; readonly stage: StageName }
  | { readonly type: 'stage-end'; readonly stage: StageName; readonly seconds: number }
  | { readonly type: 'epoch'; readonly model: ModelRole; readonly metrics: EpochMetrics };

export interface ModelSummary {
  readonly architecture: string;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  /** g = train accuracy − test accuracy. */
  readonly generalizationGap: number;
  readonly trainLoss: number;
  readonly testLoss: number;
  readonly history: readonly EpochMetrics[];
}

export interface EvaluationRecords {
  /** Pool index of each evaluated record: the target's members first, then its non-members. */
  readonly poolIndex: Int32Array;
  readonly member: Uint8Array;
  readonly label: Uint8Array;
}

export interface ExperimentResult {
  readonly config: ExperimentConfig;
  readonly backend: string;
  readonly dataset: { readonly name: string; readonly poolSize: number; readonly shape: readonly number[]; readonly numClasses: number };
  readonly target: ModelSummary;
  /** Absent when no requested attack needs a shadow model. */
  readonly shadow?: ModelSummary;
  readonly attacks: readonly AttackResult[];
  readonly records: EvaluationRecords;
  /** Seconds per stage. */
  readonly timings: Readonly<Partial<Record<StageName, number>>>;
}

export interface ExperimentDeps {
  readonly loadDataset: (dataset: DatasetConfig) => Promise<ImageDataset>;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: CancelSignal;
}

function summarise(architecture: string, members: Predictions, nonMembers: Predictions, history: readonly EpochMetrics[]): ModelSummary {
  const trainAccuracy = accuracy(members);
  const testAccuracy = accuracy(nonMembers);
  return {
    architecture,
    trainAccuracy,
    testAccuracy,
    generalizationGap: trainAccuracy - testAccuracy,
    trainLoss: meanLoss(members),
    testLoss: meanLoss(nonMembers),
    history,
  };
}

function needsShadow(attacks: readonly AttackName[]): boolean {
  return attacks.some((name) => ATTACKS[name].kind === 'threshold');
}

/** Run `config` end to end. Throws ConfigError-free errors (the config is already valid) with clear messages. */
export async function runExperiment(config: ExperimentConfig, deps: ExperimentDeps): Promise<ExperimentResult> {
  const timings: Partial<Record<StageName, number>> = {};
  const stage = async <T>(name: StageName, work: () => Promise<T>): Promise<T> => {
    throwIfCancelled(deps.signal, 'the experiment');
    deps.onProgress?.({ type: 'stage-start', stage: name });
    const started = Date.now();
    const value = await work();
    timings[name] = (Date.now() - started) / 1000;
    deps.onProgress?.({ type: 'stage-end', stage: name, seconds: timings[name] as number });
    return value;
  };

  const dataset = await stage('load-data', () => deps.loadDataset(config.dataset));
  const split = splitPool(dataset.count, config.partSize, config.seed);
  const parts: TensorPart[] = [];
  const upload = (indices: Int32Array) => {
    const part = uploadPart(gatherImages(dataset, indices), dataset.shape);
    parts.push(part);
    return part;
  };
  const models: tf.LayersModel[] = [];
  try {
    const targetTrain = upload(split.targetTrain);
    const targetTest = upload(split.targetTest);
    const common = { inputShape: dataset.shape, numClasses: dataset.numClasses, signal: deps.signal };
    const seeds = createRng(config.seed, 'models');
    const targetSeed = seeds.nextSeed();
    const shadowSeed = seeds.nextSeed();

    const target = await stage('train-target', () =>
      trainClassifier({
        ...common,
        config: config.target,
        seed: targetSeed,
        train: targetTrain,
        test: targetTest,
        name: 'target model',
        onEpoch: (metrics) => deps.onProgress?.({ type: 'epoch', model: 'target', metrics }),
      }),
    );
    models.push(target.model);

    let shadow: Awaited<ReturnType<typeof trainClassifier>> | undefined;
    let shadowParts: { train: TensorPart; test: TensorPart } | undefined;
    if (needsShadow(config.attacks)) {
      shadowParts = { train: upload(split.shadowTrain), test: upload(split.shadowTest) };
      const { train, test } = shadowParts;
      shadow = await stage('train-shadow', () =>
        trainClassifier({
          ...common,
          config: config.shadow,
          seed: shadowSeed,
          train,
          test,
          name: 'shadow model',
          onEpoch: (metrics) => deps.onProgress?.({ type: 'epoch', model: 'shadow', metrics }),
        }),
      );
      models.push(shadow.model);
    }

    const predictions = await stage('predict', async () => ({
      target: {
        members: await predict(target.model, targetTrain, dataset.numClasses),
        nonMembers: await predict(target.model, targetTest, dataset.numClasses),
      },
      shadow:
        shadow && shadowParts
          ? {
              members: await predict(shadow.model, shadowParts.train, dataset.numClasses),
              nonMembers: await predict(shadow.model, shadowParts.test, dataset.numClasses),
            }
          : undefined,
    }));

    const attacks = await stage('attack', async () =>
      evaluateAttacks({ attacks: [...config.attacks], target: predictions.target, shadow: predictions.shadow, seed: config.seed }),
    );

    const n = config.partSize;
    const poolIndex = new Int32Array(2 * n);
    poolIndex.set(split.targetTrain, 0);
    poolIndex.set(split.targetTest, n);
    const member = new Uint8Array(2 * n).fill(1, 0, n);
    const label = new Uint8Array(2 * n);
    label.set(targetTrain.labels, 0);
    label.set(targetTest.labels, n);

    return {
      config,
      backend: tf.getBackend(),
      dataset: { name: dataset.name, poolSize: dataset.count, shape: [...dataset.shape], numClasses: dataset.numClasses },
      target: summarise(config.target.architecture, predictions.target.members, predictions.target.nonMembers, target.history),
      shadow:
        shadow && predictions.shadow
          ? summarise(config.shadow.architecture, predictions.shadow.members, predictions.shadow.nonMembers, shadow.history)
          : undefined,
      attacks,
      records: { poolIndex, member, label },
      timings,
    };
  } finally {
    models.forEach((model) => model.dispose());
    parts.forEach(disposePart);
  }
}
