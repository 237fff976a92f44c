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
import { disposePart, predict, predictLogits, softmaxRows, uploadPart, type TensorPart } from './models/predict';
import { targetQueryLogits, trainReferenceModels, type ReferenceSet } from './models/references';
import { accuracy, meanLoss, trainClassifier, type EpochMetrics } from './models/train';
import { createRng, permutation } from './random';
import { applyOutputDefenses, isAttackApplicable, NOT_APPLICABLE_REASON } from './defenses/output';
import { selectRecords } from './defenses/early-stopping';
import { activeDefenses, isOutputDefense, type DefenseConfig, type DefenseId } from './defenses/registry';
import { computeDpSgdEpsilon, PRIVACY_DELTA } from './privacy/dp-sgd';
import { empiricalEpsilon } from './privacy/audit';

import type { ModelRole, StageName } from './stages';

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
  /** Requested attacks that cannot run against this target's outputs, and why (never a NaN). */
  readonly notApplicable: readonly { readonly name: AttackName; readonly reason: string }[];
  /** Present when the config has defenses: what they are and what they cost. */
  readonly defense?: DefenseSummary;
  /** Privacy figures: the accountant's ε under DP-SGD and each attack's empirical lower bound. */
  readonly privacy: PrivacySummary;
  readonly records: EvaluationRecords;
  /** Seconds per stage. */
  readonly timings: Readonly<Partial<Record<StageName, number>>>;
}

export interface DefenseSummary {
  readonly defenses: DefenseConfig;
  readonly active: readonly DefenseId[];
  /** The target's test accuracy on the outputs the attacker sees, with the defenses and without them. */
  readonly testAccuracy: { readonly defended: number; readonly undefended: number };
  readonly trainAccuracy: { readonly defended: number; readonly undefended: number };
  readonly labelOnly: boolean;
  /** Early stopping: the records of target-train held out for validation (never members). */
  readonly validationRecords?: number;
  readonly earlyStopping?: { readonly bestEpoch: number; readonly stoppedEpoch: number };
}

export interface PrivacySummary {
  readonly delta: number;
  /** DP-SGD only: the accountant's guarantee for the target (RDP, Balle et al. conversion). */
  readonly accountant?: {
    readonly epsilon: number;
    readonly order: number;
    readonly noiseMultiplier: number;
    readonly effectiveNoiseMultiplier: number;
    readonly steps: number;
    readonly samplingRate: number;
    readonly samplingMatchesAccountant: boolean;
  };
  /** Per attack: ε ≥ this with 95 % confidence, from its TPR and FPR (Jagielski et al., arXiv:2006.07709). */
  readonly empirical: readonly { readonly attack: AttackName; readonly epsilon: number; readonly threshold: number }[];
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
  /**
   * Awaited before every epoch of every model: resolve it to go on. A paused run keeps it pending;
   * a single step resolves it once and pauses again. Cancel still works while paused only if the
   * gate resolves on cancel too.
   */
  readonly gate?: () => Promise<void>;
  /** Where trained reference models' outputs are kept, so an interrupted run resumes. */
  readonly cache?: BlobCache;
  /**
   * Called with the target and each shadow model once trained, before they are disposed (the app
   * saves their weights to IndexedDB). Its failure is reported as a warning, never fails the run.
   */
  readonly onModelTrained?: (role: 'target' | 'shadow', index: number, model: tf.LayersModel) => Promise<void>;
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
): { threshold: number; scores: Float64Array } {
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
  return { threshold, scores };
}

/** Logits → probabilities → output defenses → log-probabilities: what a reference attack sees of a defended model. */
function defendLogits(logits: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number, defenses: DefenseConfig, seed: number, stream: string): Float32Array {
  const out = new Float32Array(logits.length);
  const queries = logits.length / (count * numClasses);
  for (let q = 0; q < queries; q++) {
    const view = logits.subarray(q * count * numClasses, (q + 1) * count * numClasses);
    const defended = applyOutputDefenses({ probabilities: softmaxRows(view, count, numClasses), labels, count, numClasses }, defenses, createRng(seed, `${stream}/${q}`));
    // A probability the defense set to 0 gets a finite floor, so no −Infinity reaches the attacks.
    for (let i = 0; i < view.length; i++) out[q * count * numClasses + i] = Math.log(Math.max(defended.probabilities[i], 1e-30));
  }
  return out;
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

  const defenses = config.defenses;
  const active = activeDefenses(defenses);
  const trainingDefenses = active.some((id) => !isOutputDefense(id));
  const labelOnly = defenses['label-only'] !== undefined;
  const applicable = config.attacks.filter((name) => isAttackApplicable(name, labelOnly));
  const notApplicable = config.attacks.filter((name) => !isAttackApplicable(name, labelOnly)).map((name) => ({ name, reason: NOT_APPLICABLE_REASON }));
  const referenceDefenses: DefenseConfig = Object.fromEntries(
    Object.entries(defenses).filter(([id]) => id !== 'early-stopping' && !isOutputDefense(id as DefenseId)),
  );
  const defend = (predictions: Predictions, stream: string) => applyOutputDefenses(predictions, defenses, createRng(config.seed, `output-defense/${stream}`));

  const wantShadows = applicable.some((name) => kindOf(name) === 'threshold' || kindOf(name) === 'model');
  const wantReferences = applicable.some((name) => kindOf(name) === 'reference');
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
  if (defenses['top-k'] && defenses['top-k'].k !== undefined && defenses['top-k'].k > dataset.numClasses) {
    throw new RangeError(`config.defenses.top-k.k: ${defenses['top-k'].k} exceeds the ${dataset.numClasses} classes of ${dataset.name}`);
  }
  const split = splitPool(dataset.count, config.partSize, config.seed);
  const shadowSplit = shadowDataset === dataset ? split : splitPool(shadowDataset.count, config.partSize, config.seed);
  const parts: TensorPart[] = [];
  const upload = (source: ImageDataset, indices: Int32Array) => {
    const part = uploadPart(gatherImages(source, indices), source.shape);
    parts.push(part);
    return part;
  };
  const release = (part: TensorPart) => {
    disposePart(part);
    parts.splice(parts.indexOf(part), 1);
  };
  const models: tf.LayersModel[] = [];
  try {
    const targetTrain = upload(dataset, split.targetTrain);
    const targetTest = upload(dataset, split.targetTest);
    const { numClasses } = dataset;
    const common = { inputShape: dataset.shape, numClasses, signal: deps.signal, gate: deps.gate };
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
        defenses,
        onEpoch: (metrics) => progress({ type: 'epoch', model: 'target', index: 0, count: 1, metrics }),
      }),
    );
    models.push(target.model);
    await keepModel(deps, 'target', 0, target.model, progress);

    // The price of the defenses: the same target trained without them (output defenses need no retraining).
    const undefended = trainingDefenses
      ? await stage('train-undefended', async () => {
          const plain = await trainClassifier({
            ...common,
            config: config.target,
            seed: targetSeed,
            train: targetTrain,
            test: targetTest,
            name: 'undefended target model',
            onEpoch: (metrics) => progress({ type: 'epoch', model: 'undefended', index: 0, count: 1, metrics }),
          });
          try {
            return { train: accuracy(await predict(plain.model, targetTrain, numClasses)), test: accuracy(await predict(plain.model, targetTest, numClasses)) };
          } finally {
            plain.model.dispose();
          }
        })
      : undefined;

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
          try {
            const shadow = await trainClassifier({
              ...common,
              config: config.shadow,
              seed: i === 0 ? shadowSeed : createRng(config.seed, `shadow/${i}`).nextSeed(),
              train,
              test,
              defenses,
              name: count === 1 ? 'shadow model' : `shadow model ${i + 1} of ${count}`,
              onEpoch: (metrics) => progress({ type: 'epoch', model: 'shadow', index: i, count, metrics }),
            });
            try {
              await keepModel(deps, 'shadow', i, shadow.model, progress);
              const members = await predict(shadow.model, train, numClasses);
              const raw = {
                members: shadow.validationIndices ? selectRecords(members, keptPositions(train.count, shadow.validationIndices)) : members,
                nonMembers: await predict(shadow.model, test, numClasses),
              };
              shadows.push({
                split: { members: defend(raw.members, `shadow/${i}/members`), nonMembers: defend(raw.nonMembers, `shadow/${i}/non-members`) },
                history: shadow.history,
              });
            } finally {
              shadow.model.dispose();
            }
          } finally {
            release(train);
            release(test);
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
          defenses: referenceDefenses,
          seed: config.seed,
          identity: { dataset: config.dataset, datasetName: dataset.name, poolSize: dataset.count, partSize: n, splitSeed: config.seed },
          cache: deps.cache,
          onEpoch: (index, metrics) => progress({ type: 'epoch', model: 'reference', index, count: config.reference.count, metrics }),
          onModel: (p) =>
            progress({ type: 'model-done', model: 'reference', index: p.index, count: p.count, seconds: p.seconds, cached: p.cached, etaSeconds: eta(started, p.index + 1, p.count) }),
          onCorruptCache: (index) => progress({ type: 'warning', message: `reference model ${index + 1}: its cache entry is corrupt or incomplete; retraining it` }),
          onCacheWriteError: (index, message) =>
            progress({ type: 'warning', message: `reference model ${index + 1}: its outputs could not be cached (${message}); the run goes on without the cache` }),
        });
      });
    }

    // Early stopping's validation slice never counts as members; as many non-members are dropped to keep the set balanced.
    const memberPositions = target.validationIndices ? keptPositions(n, target.validationIndices) : Int32Array.from({ length: n }, (_, i) => i);
    const nonMemberPositions = Int32Array.from({ length: memberPositions.length }, (_, i) => i);
    const evaluated = memberPositions.length;

    const predictions = await stage('predict', async () => {
      const raw = {
        members: selectRecords(await predict(target.model, targetTrain, numClasses), memberPositions),
        nonMembers: selectRecords(await predict(target.model, targetTest, numClasses), nonMemberPositions),
      };
      const defended = { members: defend(raw.members, 'target/members'), nonMembers: defend(raw.nonMembers, 'target/non-members') };
      const queries = references && population && pool
        ? {
            pool: { logits: await targetQueryLogits(target.model, pool, config.reference.augmentedQueries) },
            population: await predictLogits(target.model, population.x),
          }
        : undefined;
      return { raw, defended, queries };
    });

    const attacks = await stage('attack', async () => {
      const results: AttackResult[] = [];
      const shadowSplits = shadows.map((s) => s.split);
      const metric = applicable.filter((name) => isMetricAttack(ATTACKS[name]));
      const metricResults = evaluateAttacks({
        attacks: metric,
        target: predictions.defended,
        shadow: shadowSplits.length > 0 ? joinSplits(shadowSplits) : undefined,
        seed: config.seed,
      });
      // What the reference attacks see: every model's outputs through the same output defenses.
      const seeAll = references && predictions.queries && population
        ? seeThroughDefenses(references, predictions.queries, population.labels, numClasses, defenses, config.seed, active.some(isOutputDefense))
        : undefined;
      const pickEvaluated = (scores: Float64Array) => ({
        members: Float64Array.from(memberPositions, (p) => scores[p]),
        nonMembers: Float64Array.from(nonMemberPositions, (p) => scores[n + p]),
      });
      for (const name of applicable) {
        const kind = kindOf(name);
        if (kind === 'baseline' || kind === 'threshold') {
          results.push(metricResults[metric.indexOf(name)]);
        } else if (kind === 'model') {
          const scores = await runMlAttack({ shadows: shadowSplits, target: predictions.defended, config: config.mlAttack, seed: config.seed, signal: deps.signal });
          results.push(measureAttack(name, scores.members, scores.nonMembers, 0.5));
        } else if (seeAll && population) {
          const { threshold, scores } = runReferenceAttack(name, config, seeAll.target, seeAll.references, population.labels);
          const picked = pickEvaluated(scores);
          results.push(measureAttack(name, picked.members, picked.nonMembers, threshold));
        }
      }
      return results;
    });

    const member = new Uint8Array(2 * evaluated).fill(1, 0, evaluated);
    const label = new Uint8Array(2 * evaluated);
    label.set(predictions.raw.members.labels as Uint8Array, 0);
    label.set(predictions.raw.nonMembers.labels as Uint8Array, evaluated);
    const recordIndex = new Int32Array(2 * evaluated);
    memberPositions.forEach((p, i) => (recordIndex[i] = split.targetTrain[p]));
    nonMemberPositions.forEach((p, i) => (recordIndex[evaluated + i] = split.targetTest[p]));

    const targetSummary = summarise(config.target.architecture, dataset.name, predictions.raw, target.history);
    const accountant = target.dpSgd
      ? (() => {
          const dp = target.dpSgd;
          const figures = computeDpSgdEpsilon({ datasetSize: dp.datasetSize, batchSize: dp.batchSize, epochs: dp.epochs, delta: PRIVACY_DELTA, noiseMultiplier: dp.effectiveNoiseMultiplier });
          return {
            epsilon: figures.epsilon,
            order: figures.order,
            noiseMultiplier: dp.noiseMultiplier,
            effectiveNoiseMultiplier: dp.effectiveNoiseMultiplier,
            steps: figures.steps,
            samplingRate: figures.samplingRate,
            samplingMatchesAccountant: dp.samplingMatchesAccountant,
          };
        })()
      : undefined;
    const empirical = attacks
      .filter((a) => a.name !== 'random')
      .map((a) => {
        const bound = empiricalEpsilon({ memberScores: a.memberScores, nonMemberScores: a.nonMemberScores, delta: PRIVACY_DELTA });
        return { attack: a.name, epsilon: bound.epsilon, threshold: bound.threshold };
      });

    return {
      config,
      backend: tf.getBackend(),
      dataset: { name: dataset.name, poolSize: dataset.count, shape: [...dataset.shape], numClasses },
      target: targetSummary,
      shadows: shadows.map((s) => summarise(config.shadow.architecture, shadowDataset.name, s.split, s.history)),
      references: references && {
        count: config.reference.count,
        architecture: config.reference.architecture,
        epochs: config.reference.epochs,
        trained: references.trained,
        queries: references.outputs.queries,
        inMasks: references.outputs.inMask.map((mask) => Uint8Array.from([...memberPositions, ...Array.from(nonMemberPositions, (p) => n + p)], (p) => mask[p])),
      },
      attacks,
      notApplicable,
      defense:
        active.length > 0
          ? {
              defenses,
              active,
              labelOnly,
              testAccuracy: { defended: accuracy(predictions.defended.nonMembers), undefended: undefended?.test ?? targetSummary.testAccuracy },
              trainAccuracy: { defended: accuracy(predictions.defended.members), undefended: undefended?.train ?? targetSummary.trainAccuracy },
              ...(target.validationIndices ? { validationRecords: target.validationIndices.length } : {}),
              ...(target.earlyStopping ? { earlyStopping: { bestEpoch: target.earlyStopping.bestEpoch, stoppedEpoch: target.earlyStopping.stoppedEpoch } } : {}),
            }
          : undefined,
      privacy: { delta: PRIVACY_DELTA, ...(accountant ? { accountant } : {}), empirical },
      records: { poolIndex: recordIndex, member, label },
      timings,
    };
  } finally {
    models.forEach((model) => model.dispose());
    parts.forEach(disposePart);
  }
}

/** Hand a trained model to deps.onModelTrained; a failure (a full disk, say) is a warning. */
async function keepModel(deps: ExperimentDeps, role: 'target' | 'shadow', index: number, model: tf.LayersModel, progress: (event: ProgressEvent) => void): Promise<void> {
  if (!deps.onModelTrained) return;
  try {
    await deps.onModelTrained(role, index, model);
  } catch (error) {
    progress({ type: 'warning', message: `the ${role} model's weights were not saved: ${(error as Error).message}` });
  }
}

/** 0..count-1 without the (ascending) `removed` positions. */
function keptPositions(count: number, removed: Int32Array): Int32Array {
  const drop = new Set(removed);
  return Int32Array.from({ length: count }, (_, i) => i).filter((i) => !drop.has(i));
}

/** The target's and the reference models' logits as the attacker sees them under output defenses. */
function seeThroughDefenses(
  references: ReferenceSet,
  queries: { pool: QueryLogits; population: Float32Array },
  populationLabels: ArrayLike<number>,
  numClasses: number,
  defenses: DefenseConfig,
  seed: number,
  anyOutputDefense: boolean,
): { target: { pool: QueryLogits; population: Float32Array }; references: ReferenceSet } {
  if (!anyOutputDefense) return { target: queries, references };
  const { outputs } = references;
  const onPool = (logits: Float32Array, stream: string) => defendLogits(logits, outputs.labels, outputs.count, numClasses, defenses, seed, stream);
  const onPopulation = (logits: Float32Array, stream: string) => defendLogits(logits, populationLabels, populationLabels.length, numClasses, defenses, seed, stream);
  return {
    target: { pool: { logits: onPool(queries.pool.logits, 'output-defense/target/pool') }, population: onPopulation(queries.population, 'output-defense/target/population') },
    references: {
      ...references,
      outputs: { ...outputs, logits: outputs.logits.map((l, m) => onPool(l, `output-defense/reference/${m}/pool`)) },
      populationLogits: references.populationLogits.map((l, m) => onPopulation(l, `output-defense/reference/${m}/population`)),
    },
  };
}
