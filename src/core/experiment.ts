/**
 * The pipeline of one experiment, the engine's single entry point (ML Privacy Meter's stages):
 * data → split → train target and shadow → prediction vectors → attack scores → metrics.
 * Pure: the caller supplies the dataset loader and receives plain numbers back; every tensor made
 * here is disposed before it returns, on success, error or cancellation alike.
 */
import * as tf from '@tensorflow/tfjs';
import { runMlAttack } from './attacks/ml';
import {
  leaveOneOut,
  liraOfflineScores,
  liraOnlineScores,
  rmiaScores,
  similarityScores,
  type Population,
  type QueryLogits,
  type ReferenceOutputs,
} from './attacks/reference';
import { ATTACKS, isMetricAttack, type AttackName } from './attacks/registry';
import { evaluateAttacks, measureAttack, type AttackResult, type MembershipSplit } from './attacks/evaluate';
import type { Predictions } from './attacks/signals';
import type { BlobCache } from './cache';
import { throwIfCancelled, type CancelSignal } from './cancel';
import type { DatasetConfig, ExperimentConfig } from './config';
import { gatherImages, splitPool } from './datasets/split';
import type { ImageDataset } from './datasets/types';
import { chooseThreshold } from './metrics/roc';
import { disposePart, predict, predictLogits, uploadPart, type TensorPart } from './models/predict';
import { targetQueryLogits, trainReferenceModels, type ReferenceSet } from './models/references';
import { accuracy, meanLoss, trainClassifier, type EpochMetrics } from './models/train';
import { createRng, permutation } from './random';

export const STAGES = ['load-data', 'train-target', 'train-shadow', 'train-references', 'predict', 'attack'] as const;
export type StageName = (typeof STAGES)[number];

export type ModelRole = 'target' | 'shadow' | 'reference';

/** What a running experiment reports, as a discriminated union. */
export type ProgressEvent =
  | { readonly type: 'stage-start'; readonly stage: StageName }
  | { readonly type: 'stage-end'; readonly stage: StageName; readonly seconds: number }
  /** `index` of `count` models of this role (the target is 0 of 1). */
  | { readonly type: 'epoch'; readonly model: ModelRole; readonly index: number; readonly count: number; readonly metrics: EpochMetrics }
  /** A shadow or reference model is done; `etaSeconds` estimates the rest of its stage. */
  | {
      readonly type: 'model-done';
      readonly model: ModelRole;
      readonly index: number;
      readonly count: number;
      readonly seconds: number;
      readonly cached: boolean;
      readonly etaSeconds: number;
    }
  | { readonly type: 'warning'; readonly message: string };

export interface ModelSummary {
  readonly architecture: string;
  /** The dataset the model trained on. */
  readonly dataset: string;
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
  /** The k shadow models; empty when no requested attack needs one. */
  readonly shadows: readonly ModelSummary[];
  /** The N reference models; absent when no requested attack needs them. */
  readonly references?: ReferenceSummary;
  readonly attacks: readonly AttackResult[];
  readonly records: EvaluationRecords;
  /** Seconds per stage. */
  readonly timings: Readonly<Partial<Record<StageName, number>>>;
}

export interface ReferenceSummary {
  readonly count: number;
  readonly architecture: string;
  readonly epochs: number;
  /** How many were trained in this run; the rest came from the cache. */
  readonly trained: number;
  readonly queries: number;
  /** One mask per model over the evaluation records (in `records` order): 1 = trained on it. */
  readonly inMasks: readonly Uint8Array[];
}

export interface ExperimentDeps {
  readonly loadDataset: (dataset: DatasetConfig) => Promise<ImageDataset>;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: CancelSignal;
  /** Where trained reference models' outputs are kept, so an interrupted run resumes. */
  readonly cache?: BlobCache;
}

function summarise(
  architecture: string,
  dataset: string,
  split: MembershipSplit,
  history: readonly EpochMetrics[],
): ModelSummary {
  const { members, nonMembers } = split;
  const trainAccuracy = accuracy(members);
  const testAccuracy = accuracy(nonMembers);
  return {
    architecture,
    dataset,
    trainAccuracy,
    testAccuracy,
    generalizationGap: trainAccuracy - testAccuracy,
    trainLoss: meanLoss(members),
    testLoss: meanLoss(nonMembers),
    history,
  };
}


const kindOf = (name: AttackName) => ATTACKS[name].kind;

/** Predictions of several splits joined member-to-member and non-member-to-non-member. */
function joinSplits(splits: readonly MembershipSplit[]): MembershipSplit {
  const join = (parts: readonly Predictions[]): Predictions => {
    const probabilities = new Float64Array(parts.reduce((n, p) => n + p.probabilities.length, 0));
    const labels = new Uint8Array(parts.reduce((n, p) => n + p.count, 0));
    let at = 0;
    let row = 0;
    for (const part of parts) {
      probabilities.set(part.probabilities, at);
      for (let i = 0; i < part.count; i++) labels[row + i] = part.labels[i];
      at += part.probabilities.length;
      row += part.count;
    }
    return { probabilities, labels, count: row, numClasses: parts[0].numClasses };
  };
  return { members: join(splits.map((s) => s.members)), nonMembers: join(splits.map((s) => s.nonMembers)) };
}

/** Concatenate two index lists. */
function concatIndices(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Scores of a reference attack for `target` against `refs`. */
function referenceScores(name: AttackName, config: ExperimentConfig, target: QueryLogits, refs: ReferenceOutputs, population: Population): Float64Array {
  const lira = { fixedVariance: config.reference.fixedVariance };
  switch (name) {
    case 'lira-online': return liraOnlineScores(target, refs, lira);
    case 'lira-offline': return liraOfflineScores(target, refs, lira);
    case 'rmia': return rmiaScores(target, refs, population, config.rmia);
    case 'similarity': return similarityScores(target, refs);
    default: throw new Error(`${name} is not a reference attack`);
  }
}

/**
 * A reference attack's figures on the target. Its threshold is calibrated without the target's
 * membership: reference model 0 plays the target, scored against the others, and the threshold
 * that best separates its own members from its non-members is kept (Carlini et al.,
 * arXiv:2112.03570, evaluate the same way, one reference model at a time).
 */
function runReferenceAttack(
  name: AttackName,
  config: ExperimentConfig,
  target: { pool: QueryLogits; population: Float32Array },
  references: ReferenceSet,
  populationLabels: ArrayLike<number>,
  memberCount: number,
): AttackResult {
  const refs = references.outputs;
  const population = (targetLogits: Float32Array, models: readonly Float32Array[]): Population => ({
    target: targetLogits,
    references: models,
    labels: populationLabels,
    count: populationLabels.length,
  });
  const held = leaveOneOut(refs, 0);
  const heldPopulation = population(references.populationLogits[0], references.populationLogits.slice(1));
  const calibration = referenceScores(name, config, held.target, held.refs, heldPopulation);
  const threshold = chooseThreshold(calibration, held.members);
  const scores = referenceScores(name, config, target.pool, refs, population(target.population, references.populationLogits));
  return measureAttack(name, scores.slice(0, memberCount), scores.slice(memberCount), threshold);
}

/** Run `config` end to end. Throws ConfigError-free errors (the config is already valid) with clear messages. */
export async function runExperiment(config: ExperimentConfig, deps: ExperimentDeps): Promise<ExperimentResult> {
  const timings: Partial<Record<StageName, number>> = {};
  const progress = (event: ProgressEvent) => deps.onProgress?.(event);
  const stage = async <T>(name: StageName, work: () => Promise<T>): Promise<T> => {
    throwIfCancelled(deps.signal, 'the experiment');
    progress({ type: 'stage-start', stage: name });
    const started = Date.now();
    const value = await work();
    timings[name] = (Date.now() - started) / 1000;
    progress({ type: 'stage-end', stage: name, seconds: timings[name] as number });
    return value;
  };
  const eta = (started: number, done: number, total: number) => ((Date.now() - started) / 1000 / done) * (total - done);

  const wantShadows = config.attacks.some((name) => kindOf(name) === 'threshold' || kindOf(name) === 'model');
  const wantReferences = config.attacks.some((name) => kindOf(name) === 'reference');
  const { dataset, shadowDataset } = await stage('load-data', async () => {
    const main = await deps.loadDataset(config.dataset);
    const other = wantShadows && config.shadow.dataset ? await deps.loadDataset(config.shadow.dataset) : undefined;
    if (other && (other.shape.join() !== main.shape.join() || other.numClasses !== main.numClasses)) {
      throw new Error(
        `the shadow dataset ${other.name} (${other.shape.join('×')}, ${other.numClasses} classes) does not match ` +
          `the target's ${main.name} (${main.shape.join('×')}, ${main.numClasses} classes); shadow data must have the same shape and classes`,
      );
    }
    return { dataset: main, shadowDataset: other ?? main };
  });
  const split = splitPool(dataset.count, config.partSize, config.seed);
  const shadowSplit = shadowDataset === dataset ? split : splitPool(shadowDataset.count, config.partSize, config.seed);
  const parts: TensorPart[] = [];
  const upload = (source: ImageDataset, indices: Int32Array) => {
    const part = uploadPart(gatherImages(source, indices), source.shape);
    parts.push(part);
    return part;
  };
  const models: tf.LayersModel[] = [];
  try {
    const targetTrain = upload(dataset, split.targetTrain);
    const targetTest = upload(dataset, split.targetTest);
    const { numClasses } = dataset;
    const common = { inputShape: dataset.shape, numClasses, signal: deps.signal };
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
        onEpoch: (metrics) => progress({ type: 'epoch', model: 'target', index: 0, count: 1, metrics }),
      }),
    );
    models.push(target.model);

    // k shadow models: the first on shadow-train / shadow-test, the others on random halves of both.
    const shadows: { split: MembershipSplit; history: readonly EpochMetrics[] }[] = [];
    if (wantShadows) {
      await stage('train-shadow', async () => {
        const shadowPool = concatIndices(shadowSplit.shadowTrain, shadowSplit.shadowTest);
        const halves = createRng(config.seed, 'shadow/halves');
        const started = Date.now();
        const count = config.shadow.count;
        for (let i = 0; i < count; i++) {
          const order = i === 0 ? Int32Array.from(shadowPool.keys()) : permutation(shadowPool.length, halves);
          const pick = (from: number, to: number) => Int32Array.from(order.subarray(from, to), (k) => shadowPool[k]);
          const train = upload(shadowDataset, pick(0, config.partSize));
          const test = upload(shadowDataset, pick(config.partSize, 2 * config.partSize));
          const modelStarted = Date.now();
          const shadow = await trainClassifier({
            ...common,
            config: config.shadow,
            seed: i === 0 ? shadowSeed : createRng(config.seed, `shadow/${i}`).nextSeed(),
            train,
            test,
            name: count === 1 ? 'shadow model' : `shadow model ${i + 1} of ${count}`,
            onEpoch: (metrics) => progress({ type: 'epoch', model: 'shadow', index: i, count, metrics }),
          });
          try {
            shadows.push({
              split: { members: await predict(shadow.model, train, numClasses), nonMembers: await predict(shadow.model, test, numClasses) },
              history: shadow.history,
            });
          } finally {
            shadow.model.dispose();
            [train, test].forEach((part) => {
              disposePart(part);
              parts.splice(parts.indexOf(part), 1);
            });
          }
          const seconds = (Date.now() - modelStarted) / 1000;
          progress({ type: 'model-done', model: 'shadow', index: i, count, seconds, cached: false, etaSeconds: eta(started, i + 1, count) });
        }
      });
    }

    // Reference models train on random halves of the target's evaluation pool (members then non-members).
    const n = config.partSize;
    const poolIndex = concatIndices(split.targetTrain, split.targetTest);
    let references: ReferenceSet | undefined;
    let population: TensorPart | undefined;
    let pool: TensorPart | undefined;
    if (wantReferences) {
      const populationIndices = concatIndices(split.shadowTrain, split.shadowTest).subarray(0, config.rmia.populationSize);
      if (populationIndices.length < config.rmia.populationSize) {
        progress({ type: 'warning', message: `RMIA's population is ${populationIndices.length} records (the shadow parts), not ${config.rmia.populationSize}` });
      }
      population = upload(dataset, Int32Array.from(populationIndices));
      pool = upload(dataset, poolIndex);
      const [refPool, refPopulation] = [pool, population];
      references = await stage('train-references', async () => {
        const started = Date.now();
        return trainReferenceModels({
          ...common,
          pool: refPool,
          population: refPopulation,
          config: config.reference,
          seed: config.seed,
          identity: { dataset: config.dataset, datasetName: dataset.name, poolSize: dataset.count, partSize: n, splitSeed: config.seed },
          cache: deps.cache,
          onEpoch: (index, metrics) => progress({ type: 'epoch', model: 'reference', index, count: config.reference.count, metrics }),
          onModel: (p) =>
            progress({ type: 'model-done', model: 'reference', index: p.index, count: p.count, seconds: p.seconds, cached: p.cached, etaSeconds: eta(started, p.index + 1, p.count) }),
          onCorruptCache: (index) => progress({ type: 'warning', message: `reference model ${index + 1}: its cache entry is corrupt or incomplete; retraining it` }),
        });
      });
    }

    const predictions = await stage('predict', async () => {
      const targetSplit = {
        members: await predict(target.model, targetTrain, numClasses),
        nonMembers: await predict(target.model, targetTest, numClasses),
      };
      const queries = references && population && pool
        ? {
            pool: { logits: await targetQueryLogits(target.model, pool, config.reference.augmentedQueries) },
            population: await predictLogits(target.model, population.x),
          }
        : undefined;
      return { target: targetSplit, queries };
    });

    const attacks = await stage('attack', async () => {
      const results: AttackResult[] = [];
      const shadowSplits = shadows.map((s) => s.split);
      const metric = config.attacks.filter((name) => isMetricAttack(ATTACKS[name]));
      const metricResults = evaluateAttacks({
        attacks: metric,
        target: predictions.target,
        shadow: shadowSplits.length > 0 ? joinSplits(shadowSplits) : undefined,
        seed: config.seed,
      });
      for (const name of config.attacks) {
        const kind = kindOf(name);
        if (kind === 'baseline' || kind === 'threshold') {
          results.push(metricResults[metric.indexOf(name)]);
        } else if (kind === 'model') {
          const scores = await runMlAttack({ shadows: shadowSplits, target: predictions.target, config: config.mlAttack, seed: config.seed, signal: deps.signal });
          results.push(measureAttack(name, scores.members, scores.nonMembers, 0.5));
        } else if (references && predictions.queries && population) {
          results.push(runReferenceAttack(name, config, predictions.queries, references, population.labels, n));
        }
      }
      return results;
    });

    const member = new Uint8Array(2 * n).fill(1, 0, n);
    const label = new Uint8Array(2 * n);
    label.set(targetTrain.labels, 0);
    label.set(targetTest.labels, n);

    return {
      config,
      backend: tf.getBackend(),
      dataset: { name: dataset.name, poolSize: dataset.count, shape: [...dataset.shape], numClasses },
      target: summarise(config.target.architecture, dataset.name, predictions.target, target.history),
      shadows: shadows.map((s) => summarise(config.shadow.architecture, shadowDataset.name, s.split, s.history)),
      references: references && {
        count: config.reference.count,
        architecture: config.reference.architecture,
        epochs: config.reference.epochs,
        trained: references.trained,
        queries: references.outputs.queries,
        inMasks: references.outputs.inMask,
      },
      attacks,
      records: { poolIndex, member, label },
      timings,
    };
  } finally {
    models.forEach((model) => model.dispose());
    parts.forEach(disposePart);
  }
}

