/**
 * Reference models for LiRA, RMIA and the similarity attack (Carlini et al., arXiv:2112.03570):
 * N models, each trained on a random half of a pool that holds the target's evaluation records,
 * with balanced membership (every record IN for exactly half of them). The pool stays uploaded
 * once; each model gathers its half on the device. What the attacks need from a model is its
 * logits on the pool (under each query view) and on the population sample, so that is what is
 * kept and cached.
 */
import * as tf from '@tensorflow/tfjs';
import type { ReferenceOutputs } from '../attacks/reference';
import { cacheKey, decodeEntry, encodeEntry, type BlobCache } from '../cache';
import { throwIfCancelled, type CancelSignal } from '../cancel';
import type { ReferenceConfig } from '../config';
import { activeDefenses, isOutputDefense, type DefenseConfig } from '../defenses/registry';
import { trainMlpBatch } from './batched';
import { settleAll } from '../settle';
import { createRng, permutation, type Rng } from '../random';
import type { InputShape } from './architectures';
import { predictLogits, type TensorPart } from './predict';
import { trainClassifier, type EpochMetrics } from './train';

/**
 * N masks over `count` records in which every record is IN for exactly ⌊N/2⌋ or ⌈N/2⌉ models
 * (Carlini et al.'s construction: per record, a random ranking of the models; the first half are IN).
 */
export function balancedMasks(count: number, models: number, rng: Rng): Uint8Array[] {
  const masks = Array.from({ length: models }, () => new Uint8Array(count));
  for (let i = 0; i < count; i++) {
    const order = permutation(models, rng);
    const ins = models % 2 === 0 ? models / 2 : (models - 1) / 2 + (rng.next() < 0.5 ? 1 : 0);
    for (let k = 0; k < ins; k++) masks[order[k]][i] = 1;
  }
  return masks;
}

/**
 * The views of each record a query makes: the record itself, then (augmented) its one-pixel shifts
 * up, down, left and right, and for colour images its mirror image (Carlini et al., §VI-B: average
 * over the augmentations the model was queried with). Digits are not mirrored: a mirrored 2 is not a 2.
 */
export function queryViews(x: tf.Tensor4D, augmented: boolean): tf.Tensor4D[] {
  if (!augmented) return [x.clone()];
  return tf.tidy(() => {
    const [, height, width, channels] = x.shape;
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const shift = (dy: number, dx: number) => tf.slice(padded, [0, 1 + dy, 1 + dx, 0], [-1, height, width, channels]) as tf.Tensor4D;
    const views = [x.clone(), shift(-1, 0), shift(1, 0), shift(0, -1), shift(0, 1)];
    if (channels === 3) views.push(tf.reverse(x, 2) as tf.Tensor4D);
    return views;
  });
}

/** How many views queryViews makes for images of `channels` channels. */
export function queryViewCount(channels: number, augmented: boolean): number {
  return augmented ? (channels === 3 ? 6 : 5) : 1;
}

export interface ReferenceProgress {
  readonly index: number;
  readonly count: number;
  readonly cached: boolean;
  readonly seconds: number;
}

export interface TrainReferencesInput {
  /** The target's evaluation records (members then non-members): every model trains on half of it. */
  readonly pool: TensorPart;
  /** RMIA's population sample z, never trained on. */
  readonly population: TensorPart;
  readonly config: ReferenceConfig;
  /** Training-side defenses every reference model trains under (as the target does). */
  readonly defenses?: DefenseConfig;
  readonly inputShape: InputShape;
  readonly numClasses: number;
  readonly seed: number;
  /** What else determines the outputs (dataset, split), mixed into each cache key. */
  readonly identity: unknown;
  readonly cache?: BlobCache;
  readonly onEpoch?: (index: number, metrics: EpochMetrics) => void;
  readonly onModel?: (progress: ReferenceProgress) => void;
  /** A cache entry was unreadable or corrupt and is being recomputed. */
  readonly onCorruptCache?: (index: number) => void;
  /** Writing a cache entry failed (disk full, quota); the run goes on without it. */
  readonly onCacheWriteError?: (index: number, message: string) => void;
  readonly signal?: CancelSignal;
  readonly gate?: () => Promise<void>;
  /** Train or read only these model indices (a shard of the N, shards.ts); all N when absent. */
  readonly only?: readonly number[];
  /**
   * Workers that train whole groups beside this thread (pipeline/pool.ts): `lanes` groups at once
   * there while this thread trains others. Groups are made as without it, so each model is the same.
   */
  readonly remote?: RemoteReferenceTraining;
}

export interface RemoteReferenceTraining {
  readonly lanes: number;
  train(group: readonly number[]): Promise<readonly { readonly index: number; readonly poolLogits: Float32Array; readonly populationLogits: Float32Array }[]>;
}

export interface ReferenceSet {
  readonly outputs: ReferenceOutputs;
  /** Each model's logits on the population sample. */
  readonly populationLogits: readonly Float32Array[];
  /** Mean train and test accuracy of the models that were trained in this run (cached ones are not re-evaluated). */
  readonly trained: number;
}

/** Logits of `model` on each view, concatenated view after view. */
async function logitsOnViews(predictOn: (x: tf.Tensor4D) => Promise<Float32Array>, views: readonly tf.Tensor4D[]): Promise<Float32Array> {
  const parts = [];
  for (const view of views) parts.push(await predictOn(view));
  return concatenate(parts);
}

function subset(pool: TensorPart, mask: Uint8Array, keep: 0 | 1): TensorPart {
  const indices = Int32Array.from(Array.from(mask).flatMap((m, i) => (m === keep ? [i] : [])));
  const labels = Uint8Array.from(indices, (i) => pool.labels[i]);
  return tf.tidy(() => {
    const idx = tf.tensor1d(indices, 'int32');
    return { x: tf.gather(pool.x, idx) as tf.Tensor4D, y: tf.gather(pool.y, idx) as tf.Tensor1D, labels, count: indices.length };
  });
}

/**
 * Plain MLPs (no training defense) train together in groups of at most this many (models/batched.ts).
 * Four, not eight: per model a group of 2, 4 or 8 cost the same here (bench/README.md, "Shadows +
 * references on 2 workers vs 1"), and smaller groups share out evenly over the training pool's lanes.
 */
export const BATCH_GROUP = 4;

/**
 * The groups `models` train in, longest first. A batched group runs as many steps per epoch as its
 * largest member needs, every member padded through each of them, so models are grouped by their
 * steps (`stepsOf`): then a group's last step is not paid by the models that have none left. Cut
 * from the models sorted by steps, most first, the groups come longest first (steps × models, the
 * short one last), which is the order to hand them out in, since lanes take the next group when
 * they are free: longest processing time first ends the lanes closest together. Each group lists
 * its models in index order. Which group a model is in changes nothing in it (batched.ts pads
 * every batch to the batch size, and each model keeps its own seed).
 */
export function referenceGroups(models: readonly number[], stepsOf: (model: number) => number, size: number): number[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`reference groups need a size of at least 1, got ${size}`);
  const steps = new Map(models.map((m) => [m, stepsOf(m)]));
  // Array.prototype.sort is stable: models with as many steps stay in index order.
  const byStepsThenIndex = [...models].sort((a, b) => a - b).sort((a, b) => steps.get(b)! - steps.get(a)!);
  const groups: number[][] = [];
  for (let at = 0; at < byStepsThenIndex.length; at += size) groups.push(byStepsThenIndex.slice(at, at + size).sort((a, b) => a - b));
  return groups;
}

/** Steps per epoch of reference model `m`: its training half in batches of `batchSize`. */
export function referenceSteps(plan: Pick<ReferencePlan, 'inMask'>, batchSize: number): (m: number) => number {
  return (m) => Math.ceil(plan.inMask[m].reduce((n, inside) => n + inside, 0) / batchSize);
}

/** What each reference model is: its membership mask, its training seed and its cache key. */
export interface ReferencePlan {
  readonly inMask: Uint8Array[];
  readonly seeds: number[];
  readonly keys: string[];
}

/**
 * Masks, seeds and cache keys of all N models, from the config's seed and each model's index alone:
 * the same on every machine, whichever models a run trains (a shard, shards.ts) and in which group.
 */
export function planReferenceModels(
  input: Pick<TrainReferencesInput, 'config' | 'seed' | 'identity' | 'defenses'> & { readonly pool: { readonly count: number }; readonly population: { readonly count: number } },
): ReferencePlan {
  // Hashing the masks costs more than anything else a cached re-run does here: keep the last plan.
  const memoKey = JSON.stringify([input.config, input.seed, input.identity, input.defenses ?? {}, input.pool.count, input.population.count]);
  if (lastPlan?.key !== memoKey) lastPlan = { key: memoKey, plan: makePlan(input) };
  return lastPlan.plan;
}

let lastPlan: { readonly key: string; readonly plan: ReferencePlan } | undefined;

function makePlan(input: Parameters<typeof planReferenceModels>[0]): ReferencePlan {
  const { pool, population, config } = input;
  const inMask = balancedMasks(pool.count, config.count, createRng(input.seed, 'reference/masks'));
  const seeds = Array.from({ length: config.count }, (_, m) => createRng(input.seed, `reference/${m}`).nextSeed());
  const keys = inMask.map((mask, m) =>
    cacheKey({
      kind: 'reference-logits',
      version: 1,
      identity: input.identity,
      training: { architecture: config.architecture, epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate },
      count: config.count,
      index: m,
      seed: input.seed,
      augmentedQueries: config.augmentedQueries,
      defenses: input.defenses ?? {},
      populationSize: population.count,
      mask: cacheKey(Array.from(mask)),
    }),
  );
  return { inMask, seeds, keys };
}

/**
 * Train (or load from the cache) the N reference models and collect their outputs. With `only`,
 * just those models (a shard): the set's arrays then hold outputs at those indices alone.
 */
export async function trainReferenceModels(input: TrainReferencesInput): Promise<ReferenceSet> {
  const { pool, population, config, numClasses } = input;
  const { inMask, seeds, keys } = planReferenceModels(input);
  const wanted = input.only ?? Array.from({ length: config.count }, (_, m) => m);
  // The views are built only if a model must be trained: a fully cached run needs no tensor work.
  let views: tf.Tensor4D[] | undefined;
  const queryViewsOnce = () => (views ??= queryViews(pool.x, config.augmentedQueries));
  const viewCount = queryViewCount(input.inputShape[2], config.augmentedQueries);
  const logits: Float32Array[] = new Array(config.count);
  const populationLogits: Float32Array[] = new Array(config.count);
  const started = Date.now();
  const done = (indices: readonly number[], cached: boolean, since: number) =>
    indices.forEach((index) => input.onModel?.({ index, count: config.count, cached, seconds: (Date.now() - since) / 1000 / indices.length }));
  const keep = async (m: number, poolLogits: Float32Array, onPopulation: Float32Array) => {
    logits[m] = poolLogits;
    populationLogits[m] = onPopulation;
    try {
      await input.cache?.write(keys[m], encodeEntry(keys[m], [poolLogits, onPopulation]));
    } catch (error) {
      // A full disk or quota loses the cache entry, never the model just trained.
      input.onCacheWriteError?.(m, (error as Error).message);
    }
  };
  try {
    // Whatever the cache holds intact is used; a corrupt or partial entry is reported and retrained.
    const missing: number[] = [];
    const expected = [viewCount * pool.count * numClasses, population.count * numClasses];
    for (const m of wanted) {
      const stored = input.cache ? await input.cache.read(keys[m]) : undefined;
      const decoded = stored ? decodeEntry(keys[m], stored) : undefined;
      if (decoded && decoded.length === 2 && decoded.every((a, i) => a.length === expected[i])) {
        [logits[m], populationLogits[m]] = decoded;
        done([m], true, started);
      } else {
        if (stored) input.onCorruptCache?.(m);
        missing.push(m);
      }
    }
    const batched = config.architecture === 'mlp' && !hasTrainingDefenses(input.defenses);
    const groups = referenceGroups(missing, referenceSteps({ inMask }, config.batchSize), batched ? BATCH_GROUP : 1);
    const trainHere = async (group: number[]) => {
      if (batched) {
        await input.gate?.();
        const models = await trainMlpBatch({
          x: pool.x,
          y: pool.y,
          memberships: group.map((m) => inMask[m]),
          seeds: group.map((m) => seeds[m]),
          numClasses,
          epochs: config.epochs,
          batchSize: config.batchSize,
          learningRate: config.learningRate,
          signal: input.signal,
        });
        try {
          const onViews = await Promise.all(queryViewsOnce().map((view) => models.predictLogits(view)));
          const onPopulation = await models.predictLogits(population.x);
          for (const [k, m] of group.entries()) await keep(m, concatenate(onViews.map((v) => v[k])), onPopulation[k]);
        } finally {
          models.dispose();
        }
      } else {
        const [m] = group;
        const model = await trainSeparately(input, inMask[m], seeds[m], m);
        try {
          await keep(m, await logitsOnViews((x) => predictLogits(model, x), queryViewsOnce()), await predictLogits(model, population.x));
        } finally {
          model.dispose();
        }
      }
    };
    const trainThere = async (group: number[]) => {
      for (const outputs of await input.remote!.train(group)) await keep(outputs.index, outputs.poolLogits, outputs.populationLogits);
    };
    // Each lane takes the next group when it is free: this thread, and the remote lanes if any.
    // A lane that fails stops the others taking new groups.
    let next = 0;
    let failed = false;
    const lane = async (train: (group: number[]) => Promise<void>) => {
      while (next < groups.length && !failed) {
        throwIfCancelled(input.signal, 'training the reference models');
        const group = groups[next++];
        const since = Date.now();
        try {
          await train(group);
        } catch (error) {
          failed = true;
          throw error;
        }
        done(group, false, since);
      }
    };
    const here = lane(trainHere);
    const remoteLanes = input.remote ? Array.from({ length: input.remote.lanes }, () => lane(trainThere)) : [];
    await settleAll([here, ...remoteLanes]);
    return {
      outputs: { logits, inMask, labels: pool.labels, count: pool.count, numClasses, queries: viewCount },
      populationLogits,
      trained: missing.length,
    };
  } finally {
    views?.forEach((view) => view.dispose());
  }
}

function hasTrainingDefenses(defenses: DefenseConfig | undefined): boolean {
  return defenses !== undefined && activeDefenses(defenses).some((id) => !isOutputDefense(id));
}

function concatenate(arrays: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const array of arrays) {
    all.set(array, at);
    at += array.length;
  }
  return all;
}

/** One reference model through the ordinary training loop (any architecture, any defense). */
async function trainSeparately(input: TrainReferencesInput, mask: Uint8Array, seed: number, m: number): Promise<tf.LayersModel> {
  const train = subset(input.pool, mask, 1);
  const test = subset(input.pool, mask, 0);
  try {
    const trained = await trainClassifier({
      config: input.config,
      inputShape: input.inputShape,
      numClasses: input.numClasses,
      seed,
      train,
      test,
      defenses: input.defenses,
      name: `reference model ${m + 1} of ${input.config.count}`,
      onEpoch: (metrics) => input.onEpoch?.(m, metrics),
      signal: input.signal,
      gate: input.gate,
    });
    return trained.model;
  } finally {
    [train, test].forEach((part) => {
      part.x.dispose();
      part.y.dispose();
    });
  }
}

/** A model's logits on the pool under the same views the reference models were queried with. */
export async function targetQueryLogits(model: tf.LayersModel, pool: TensorPart, augmented: boolean): Promise<Float32Array> {
  const views = queryViews(pool.x, augmented);
  try {
    return await logitsOnViews((x) => predictLogits(model, x), views);
  } finally {
    views.forEach((view) => view.dispose());
  }
}
