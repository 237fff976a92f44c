/**
 * The ML attack of Shokri et al. (arXiv:1610.05820, §V): shadow models, whose members the attacker
 * knows, produce labelled examples (prediction vector, true label) → member / non-member; an MLP
 * learns to tell them apart and is then applied to the target's outputs. Its score is its member
 * probability.
 */
import * as tf from '@tensorflow/tfjs';
import { yieldSometimes } from '../pace';
import { throwIfCancelled, type CancelSignal } from '../cancel';
import { createRng, permutation } from '../random';
import type { Predictions } from './signals';
import type { MembershipSplit } from './evaluate';
import type { MlAttackConfig } from '../config';


const BATCH_SIZE = 64;
const LEARNING_RATE = 1e-3;

/** Features per record: the prediction vector (sorted if asked) then the one-hot true label. */
export function attackFeatures(predictions: Predictions, sortPredictions: boolean): Float32Array {
  const { count, numClasses, probabilities, labels } = predictions;
  const width = 2 * numClasses;
  const features = new Float32Array(count * width);
  for (let i = 0; i < count; i++) {
    const row = Array.from(probabilities.subarray(i * numClasses, (i + 1) * numClasses));
    if (sortPredictions) row.sort((a, b) => b - a);
    features.set(row, i * width);
    features[i * width + numClasses + labels[i]] = 1;
  }
  return features;
}

interface Rows {
  readonly features: Float32Array;
  readonly isMember: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

function rowsOf(splits: readonly MembershipSplit[], sortPredictions: boolean): Rows {
  const parts = splits.flatMap((s) => [
    { predictions: s.members, member: 1 },
    { predictions: s.nonMembers, member: 0 },
  ]);
  const count = parts.reduce((n, p) => n + p.predictions.count, 0);
  const width = 2 * parts[0].predictions.numClasses;
  const features = new Float32Array(count * width);
  const isMember = new Float32Array(count);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const { predictions, member } of parts) {
    features.set(attackFeatures(predictions, sortPredictions), at * width);
    isMember.fill(member, at, at + predictions.count);
    for (let i = 0; i < predictions.count; i++) labels[at + i] = predictions.labels[i];
    at += predictions.count;
  }
  return { features, isMember, labels, count };
}

function select(rows: Rows, keep: (i: number) => boolean, width: number): Rows {
  const indices = Array.from({ length: rows.count }, (_, i) => i).filter(keep);
  const features = new Float32Array(indices.length * width);
  indices.forEach((i, k) => features.set(rows.features.subarray(i * width, (i + 1) * width), k * width));
  return {
    features,
    isMember: Float32Array.from(indices, (i) => rows.isMember[i]),
    labels: Uint8Array.from(indices, (i) => rows.labels[i]),
    count: indices.length,
  };
}

/** Train one binary MLP (width → hidden relu → 1 logit) with Adam on sigmoid cross-entropy. */
async function trainBinaryMlp(rows: Rows, width: number, config: MlAttackConfig, seed: number, signal?: CancelSignal): Promise<tf.LayersModel> {
  const rng = createRng(seed, 'ml-attack');
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [width], units: config.hiddenUnits, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: rng.nextSeed() }) }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }) }),
    ],
  });
  const optimizer = tf.train.adam(LEARNING_RATE);
  const x = tf.tensor2d(rows.features, [rows.count, width]);
  const y = tf.tensor2d(rows.isMember, [rows.count, 1]);
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = permutation(rows.count, rng);
      for (let start = 0; start < rows.count; start += BATCH_SIZE) {
        throwIfCancelled(signal, 'training the ML attack model');
        tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(start, Math.min(start + BATCH_SIZE, rows.count)), 'int32');
          const xb = tf.gather(x, idx);
          const yb = tf.gather(y, idx);
          optimizer.minimize(() => tf.losses.sigmoidCrossEntropy(yb, model.apply(xb) as tf.Tensor) as tf.Scalar);
        });
      }
      await yieldSometimes();
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    x.dispose();
    y.dispose();
  }
  return model;
}

/** Member probabilities in float64 from the attack model's logits. */
async function memberProbability(model: tf.LayersModel, features: Float32Array, count: number, width: number): Promise<Float64Array> {
  if (count === 0) return new Float64Array(0);
  const logits = tf.tidy(() => model.predict(tf.tensor2d(features, [count, width])) as tf.Tensor);
  const values = await logits.data();
  logits.dispose();
  return Float64Array.from(values, (z) => 1 / (1 + Math.exp(-z)));
}

export interface MlAttackInput {
  /** One membership split per shadow model: the attack's training data. */
  readonly shadows: readonly MembershipSplit[];
  readonly target: MembershipSplit;
  readonly config: MlAttackConfig;
  readonly seed: number;
  readonly signal?: CancelSignal;
}

/**
 * Train the attack model(s) on the shadows' outputs and score the target's members and
 * non-members. A class the shadows never show (per-class mode) scores 0.5: no evidence either way.
 */
export async function runMlAttack(input: MlAttackInput): Promise<{ members: Float64Array; nonMembers: Float64Array }> {
  const { config } = input;
  const numClasses = input.target.members.numClasses;
  const width = 2 * numClasses;
  const training = rowsOf(input.shadows, config.sortPredictions);
  const targetRows = rowsOf([input.target], config.sortPredictions);
  const scores = new Float64Array(targetRows.count).fill(0.5);
  const groups = config.perClass ? Array.from({ length: numClasses }, (_, c) => c) : [-1];
  for (const group of groups) {
    const inGroup = (rows: Rows) => (i: number) => group < 0 || rows.labels[i] === group;
    const train = select(training, inGroup(training), width);
    const hasBoth = train.isMember.some((m) => m === 1) && train.isMember.some((m) => m === 0);
    if (!hasBoth) continue;
    const model = await trainBinaryMlp(train, width, config, createRng(input.seed, `ml-attack/${group}`).nextSeed(), input.signal);
    try {
      const indices = Array.from({ length: targetRows.count }, (_, i) => i).filter(inGroup(targetRows));
      const query = select(targetRows, inGroup(targetRows), width);
      const probabilities = await memberProbability(model, query.features, query.count, width);
      indices.forEach((i, k) => (scores[i] = probabilities[k]));
    } finally {
      model.dispose();
    }
  }
  const n = input.target.members.count;
  return { members: scores.slice(0, n), nonMembers: scores.slice(n) };
}
