/**
 * Canaries for the one-run audit (Steinke, Nasr & Jagielski, arXiv:2305.08846): records the
 * target may or may not train on, by a fair seeded coin each, chosen so that training on one
 * leaves a mark. Mislabelled records do (Aerni et al., arXiv:2404.17399: a wrong label can only be
 * fitted by memorising it), and the mark is read as the loss on the wrong label, from the logits.
 *
 * They come from the pool outside the four parts of the split (datasets/split.ts), so they are
 * never a member, a non-member, a shadow record or an RMIA population record.
 */
import { gatherImages, type DataSplit } from '../datasets/split';
import type { LabelledImages } from '../datasets/types';
import { logSoftmaxRows } from '../math/softmax';
import { createRng, permutation } from '../random';

export interface Canaries {
  /** Pool index of each canary. */
  readonly poolIndex: Int32Array;
  /** The label it is trained and scored with: never its true one. */
  readonly wrongLabel: Uint8Array;
  /** 1 where its coin put it into the target's training set. */
  readonly included: Uint8Array;
}

/**
 * `count` canaries drawn with the seed's "audit/canaries" stream from the pool records outside the
 * split's four parts, each relabelled to a uniformly drawn other class and flipped in or out by a
 * fair coin. Throws when the pool lacks that many spare records.
 */
export function drawCanaries(poolSize: number, split: DataSplit, trueLabels: ArrayLike<number>, numClasses: number, count: number, seed: number): Canaries {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`canaries: count must be a whole number >= 1, got ${count}`);
  if (numClasses < 2) throw new RangeError('canaries need at least two classes to mislabel');
  const used = new Uint8Array(poolSize);
  for (const part of [split.targetTrain, split.targetTest, split.shadowTrain, split.shadowTest]) part.forEach((i) => (used[i] = 1));
  const spare: number[] = [];
  for (let i = 0; i < poolSize; i++) if (!used[i]) spare.push(i);
  if (spare.length < count) {
    throw new RangeError(`audit.canaries: ${count} asked for, but only ${spare.length} pool records lie outside the four parts; lower audit.canaries or partSize`);
  }
  const rng = createRng(seed, 'audit/canaries');
  const order = permutation(spare.length, rng);
  const poolIndex = Int32Array.from({ length: count }, (_, k) => spare[order[k]]);
  const wrongLabel = Uint8Array.from(poolIndex, (index) => (trueLabels[index] + 1 + rng.nextInt(numClasses - 1)) % numClasses);
  const coins = createRng(seed, 'audit/coins');
  const included = Uint8Array.from(poolIndex, () => (coins.next() < 0.5 ? 1 : 0));
  return { poolIndex, wrongLabel, included };
}

/** Positions (in `canaries`) of those whose coin came up IN, ascending. */
export function includedPositions(canaries: Canaries): Int32Array {
  return Int32Array.from(canaries.included.reduce<number[]>((kept, inside, k) => (inside ? [...kept, k] : kept), []));
}

/**
 * Each canary's audit score: minus the cross-entropy on its wrong label, logsumexp(z) − z_wrong,
 * from the logits so memorised canaries keep their order (higher = more likely trained on).
 */
export function canaryScores(logits: ArrayLike<number>, wrongLabel: ArrayLike<number>, numClasses: number): Float64Array {
  const count = wrongLabel.length;
  if (logits.length !== count * numClasses) throw new RangeError(`logits has ${logits.length} entries; ${count} canaries × ${numClasses} classes need ${count * numClasses}`);
  // The score is log p_wrong (the loss, negated), from the exact log-softmax.
  const logP = logSoftmaxRows(logits, count, numClasses);
  return Float64Array.from({ length: count }, (_, i) => logP[i * numClasses + wrongLabel[i]]);
}

/** The canaries' images with their wrong labels: all of them (to score) or only those whose coin said IN (to train on). */
export function canaryImages(dataset: LabelledImages, canaries: Canaries, which: 'all' | 'included'): LabelledImages {
  const positions = which === 'all' ? Int32Array.from(canaries.poolIndex.keys()) : includedPositions(canaries);
  const gathered = gatherImages(dataset, Int32Array.from(positions, (k) => canaries.poolIndex[k]));
  return { ...gathered, labels: Uint8Array.from(positions, (k) => canaries.wrongLabel[k]) };
}

/** `first`'s records then `second`'s, as one set (the target's training set with its IN canaries). */
export function appendImages(first: LabelledImages, second: LabelledImages): LabelledImages {
  const images = new Uint8Array(first.images.length + second.images.length);
  images.set(first.images, 0);
  images.set(second.images, first.images.length);
  const labels = new Uint8Array(first.count + second.count);
  labels.set(first.labels, 0);
  labels.set(second.labels, first.count);
  return { images, labels, count: first.count + second.count, shape: first.shape };
}
