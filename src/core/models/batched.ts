/**
 * K MLPs of one architecture trained together: one graph whose weights are stacked along a leading
 * model axis ([K, in, out]) and one batched matrix product per layer, for the many shadow and
 * reference models that LiRA and RMIA need (Carlini et al., arXiv:2112.03570, train N models, each
 * on a random half of a pool).
 *
 * Model k here is the model `trainClassifier` would train with seed `seeds[k]` on the pool records
 * where `memberships[k]` is 1 (in pool order): the same initial weights (ARCHITECTURES.mlp built
 * from the same derived seed), the same seeded batch order, the same loss (mean softmax
 * cross-entropy over its batch) and the same Adam (tfjs's formula and epsilon), with its own moments
 * and step count. Training them together changes the speed, not the models; a test checks this.
 *
 * Why it is faster: a small MLP step is a few dozen kernel launches whose fixed costs (tape, Adam's
 * per-variable ops, dispatch) dwarf the arithmetic; stacking pays them once for K models.
 *
 * Models with fewer records run out of batches before the others in an epoch. Their rows in the
 * stacked batch are then padding with weight 0 (so a zero gradient) and their Adam state and
 * weights are held where they are, exactly as if they had not stepped.
 *
 * On wasm and cpu, Adam runs as one fused kernel (kernels/fused-adam.ts): a single pass over the
 * stacked weights instead of ~15 elementwise kernels, which matters once 16 models' weights no
 * longer fit in cache. Elsewhere it runs as the same formula in tf ops.
 */
import * as tf from '@tensorflow/tfjs';
import { yieldSometimes } from '../pace';
import { throwIfCancelled, type CancelSignal } from '../cancel';
import { createRng, permutation, type Rng } from '../random';
import { ARCHITECTURES, type InputShape } from './architectures';
import { TrainingError } from './train';
import { adamWithOps, fusedAdam, hasFusedAdam, registerFusedAdamKernels, type FusedAdamAttrs } from '../kernels/fused-adam';

export interface BatchedMlpOptions {
  /** The pool: images scaled to [0, 1], count × height × width × channels. Uploaded once by the caller. */
  readonly x: tf.Tensor4D;
  /** The pool's class indices, int32. */
  readonly y: tf.Tensor1D;
  /** One mask per model over the pool: 1 = model k trains on that record. K = memberships.length. */
  readonly memberships: readonly Uint8Array[];
  /** One seed per model, used exactly as `trainClassifier` uses its seed (init and batch order). */
  readonly seeds: readonly number[];
  readonly numClasses: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's step size; the MLP's default is 1e-3. */
  readonly learningRate: number;
  readonly onEpoch?: (progress: BatchedEpoch) => void;
  readonly signal?: CancelSignal;
}

export interface BatchedEpoch {
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training-batch loss of each model over this epoch (during training, not re-evaluated). */
  readonly trainLoss: Float64Array;
  readonly seconds: number;
}

export interface BatchedMlp {
  /** K, the number of models. */
  readonly count: number;
  /** Logits of every model on `x` (N × height × width × channels): one N × numClasses array per model. */
  predictLogits(x: tf.Tensor4D, batchSize?: number): Promise<Float32Array[]>;
  /** Model k's weights in tf.layers order (kernel 1, bias 1, kernel 2, bias 2), as plain arrays. */
  readWeights(k: number): Promise<Float32Array[]>;
  /** Model k as an ordinary ARCHITECTURES.mlp LayersModel (the caller disposes it). */
  toLayersModel(k: number): Promise<tf.LayersModel>;
  dispose(): void;
}

/** w1 [K, D, H], b1 [K, 1, H], w2 [K, H, C], b2 [K, 1, C]. */
type Stack = tf.Tensor3D[];

const BETA1 = 0.9;
const BETA2 = 0.999;
/** tf.train.adam's default epsilon on 32-bit backends (backend.epsilon()). */
const EPSILON = 1e-7;

function validate(options: BatchedMlpOptions): void {
  const { x, y, memberships, seeds, batchSize, epochs } = options;
  const count = x.shape[0];
  if (memberships.length === 0) throw new Error('trainMlpBatch: memberships is empty (need at least one model)');
  if (seeds.length !== memberships.length) {
    throw new Error(`trainMlpBatch: ${seeds.length} seeds for ${memberships.length} models (need one per model)`);
  }
  if (y.shape[0] !== count) throw new Error(`trainMlpBatch: ${y.shape[0]} labels for ${count} images`);
  memberships.forEach((mask, k) => {
    if (mask.length !== count) throw new Error(`trainMlpBatch: membership ${k} has ${mask.length} entries for a pool of ${count}`);
    if (!mask.some((m) => m === 1)) throw new Error(`trainMlpBatch: model ${k} has no training records`);
  });
  if (!(batchSize >= 1 && Number.isInteger(batchSize))) throw new Error(`trainMlpBatch: batchSize must be a positive integer (got ${batchSize})`);
  if (!(epochs >= 0 && Number.isInteger(epochs))) throw new Error(`trainMlpBatch: epochs must be a non-negative integer (got ${epochs})`);
}

/** The initial weights `trainClassifier` would give each model: build ARCHITECTURES.mlp and stack. */
function initialWeights(inputShape: InputShape, numClasses: number, seeds: readonly number[]): Stack {
  const perModel = seeds.map((seed) => {
    const model = ARCHITECTURES.mlp.build(inputShape, numClasses, createRng(seed, 'init').nextSeed());
    const weights = model.getWeights().map((w) => w.clone());
    model.dispose();
    return weights;
  });
  try {
    return tf.tidy(() =>
      perModel[0].map((_, i) => {
        // Biases [out] become [1, out] so that every stacked tensor is [K, rows, cols].
        const layer = perModel.map((weights) => (weights[i].rank === 1 ? weights[i].expandDims(0) : weights[i]));
        return tf.stack(layer) as tf.Tensor3D;
      }),
    );
  } finally {
    perModel.forEach((weights) => tf.dispose(weights));
  }
}

/** The stacked forward pass: x [K, B, D] → logits [K, B, C]. */
function forward(params: Stack, x: tf.Tensor3D): tf.Tensor3D {
  const [w1, b1, w2, b2] = params;
  const hidden = tf.relu(tf.add(tf.matMul(x, w1), b1));
  return tf.add(tf.matMul(hidden, w2), b2) as tf.Tensor3D;
}

interface AdamState {
  m: Stack;
  v: Stack;
  /** β1^t and β2^t per model, kept in float32 like tfjs's accBeta: models step different numbers of times. */
  readonly power1: Float32Array;
  readonly power2: Float32Array;
}

function zerosLike(stack: Stack): Stack {
  return stack.map((t) => tf.zerosLike(t));
}

/** One batch of every model: pool indices and loss weights (1/batch count, 0 for padding). */
interface StackedBatch {
  readonly indices: Int32Array;
  readonly rowWeights: Float32Array;
  /** 1 for models that have a batch at this step. */
  readonly active: Uint8Array;
}

/**
 * Every model's rows padded to batchSize, even when all of a step's batches are shorter: the
 * products' shapes then never depend on which models share the group, and neither do the kernels
 * that run them (wasm picks a product's kernel by its size), so a model's weights are bit for bit
 * the same alone or in any group (test). Padding only to the step's longest batch saved 2.4 % of
 * the bench's multiply-adds but broke that by an ulp here and there.
 */
function stackBatch(step: number, batchSize: number, orders: readonly Int32Array[]): StackedBatch {
  const models = orders.length;
  const indices = new Int32Array(models * batchSize);
  const rowWeights = new Float32Array(models * batchSize);
  const active = new Uint8Array(models);
  for (let k = 0; k < models; k++) {
    const order = orders[k];
    const start = step * batchSize;
    const end = Math.min(start + batchSize, order.length);
    if (start >= end) {
      indices.fill(order[0], k * batchSize, (k + 1) * batchSize);
      continue;
    }
    active[k] = 1;
    const rows = end - start;
    for (let b = 0; b < batchSize; b++) {
      const real = b < rows;
      indices[k * batchSize + b] = real ? order[start + b] : order[start];
      rowWeights[k * batchSize + b] = real ? 1 / rows : 0;
    }
  }
  return { indices, rowWeights, active };
}

/** One Adam step of every active model; returns each model's mean batch loss ([K], 0 when inactive). */
function trainStep(params: Stack, adam: AdamState, xFlat: tf.Tensor2D, y: tf.Tensor1D, batch: StackedBatch, options: BatchedMlpOptions): { params: Stack; adam: AdamState; loss: tf.Tensor1D } {
  const { numClasses, batchSize, learningRate } = options;
  const models = params[0].shape[0];
  // tfjs's Adam: bias corrections 1 − β^t with t counted from 1 (its accBeta starts at β), in float32.
  const beta1 = Math.fround(BETA1);
  const beta2 = Math.fround(BETA2);
  const power1 = adam.power1.map((p, k) => (batch.active[k] ? p * beta1 : p));
  const power2 = adam.power2.map((p, k) => (batch.active[k] ? p * beta2 : p));
  const attrs: FusedAdamAttrs = {
    beta1: BETA1,
    beta2: BETA2,
    epsilon: EPSILON,
    learningRate,
    correction1: Array.from(power1, (p) => Math.fround(1 - p)),
    correction2: Array.from(power2, (p) => Math.fround(1 - p)),
    active: Array.from(batch.active),
  };
  return tf.tidy(() => {
    const indices = tf.tensor1d(batch.indices, 'int32');
    const xs = tf.gather(xFlat, indices).reshape([models, batchSize, xFlat.shape[1]]) as tf.Tensor3D;
    const targets = tf.oneHot(tf.gather(y, indices), numClasses);
    const rowWeights = tf.tensor1d(batch.rowWeights);
    // A [K] result: valueAndGrads differentiates its sum, and model k's weights only reach entry k.
    const { value, grads } = tf.valueAndGrads((...p: tf.Tensor[]) => {
      const logits = forward(p as Stack, xs).reshape([models * batchSize, numClasses]);
      const losses = tf.losses.softmaxCrossEntropy(targets, logits, undefined, undefined, tf.Reduction.NONE);
      return tf.sum(tf.mul(losses, rowWeights).reshape([models, batchSize]), 1);
    })(params);
    const update = hasFusedAdam() ? fusedAdam : adamWithOps;
    const next: Stack = [];
    const m: Stack = [];
    const v: Stack = [];
    params.forEach((p, i) => {
      const [pi, mi, vi] = update(p, grads[i], adam.m[i], adam.v[i], attrs);
      next.push(pi as tf.Tensor3D);
      m.push(mi as tf.Tensor3D);
      v.push(vi as tf.Tensor3D);
    });
    return { params: next, adam: { m, v, power1, power2 }, loss: value as tf.Tensor1D };
  });
}

/** Each model's training records in pool order, as `subset` in references.ts gathers them. */
function memberIndices(mask: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.push(i);
  return Int32Array.from(out);
}

function disposeAdam(adam: AdamState): void {
  tf.dispose([...adam.m, ...adam.v]);
}

/** Train K MLPs together (see the module comment). The result owns its weights: call dispose(). */
export async function trainMlpBatch(options: BatchedMlpOptions): Promise<BatchedMlp> {
  validate(options);
  registerFusedAdamKernels();
  const { x, y, memberships, seeds, numClasses, epochs, batchSize, signal } = options;
  const inputShape = x.shape.slice(1) as unknown as InputShape;
  const models = memberships.length;
  const members = memberships.map(memberIndices);
  const batchRngs: Rng[] = seeds.map((seed) => createRng(seed, 'batches'));
  const xFlat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
  let params = initialWeights(inputShape, numClasses, seeds);
  let adam: AdamState = {
    m: zerosLike(params),
    v: zerosLike(params),
    power1: new Float32Array(models).fill(1),
    power2: new Float32Array(models).fill(1),
  };
  // Each step's per-model losses, summed and read once at the end of the epoch.
  let losses: tf.Tensor1D[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = Date.now();
      const orders = members.map((indices, k) => {
        const order = permutation(indices.length, batchRngs[k]);
        return Int32Array.from(order, (i) => indices[i]);
      });
      const steps = Math.max(...orders.map((o) => Math.ceil(o.length / batchSize)));
      const activeSteps = new Float64Array(models);
      for (let step = 0; step < steps; step++) {
        throwIfCancelled(signal, 'training the batched models');
        const batch = stackBatch(step, batchSize, orders);
        const result = trainStep(params, adam, xFlat, y, batch, options);
        tf.dispose(params);
        disposeAdam(adam);
        params = result.params;
        adam = result.adam;
        losses.push(result.loss);
        for (let k = 0; k < models; k++) activeSteps[k] += batch.active[k];
        await yieldSometimes();
      }
      // One read per epoch, not one per step: the hot path never waits on the device.
      const summedTensor = tf.addN(losses);
      const summed = await summedTensor.data();
      tf.dispose([summedTensor, ...losses]);
      losses = [];
      const trainLoss = Float64Array.from(summed, (sum, k) => sum / activeSteps[k]);
      const diverged = trainLoss.findIndex((loss) => !Number.isFinite(loss));
      if (diverged >= 0) {
        throw new TrainingError(
          `batched model ${diverged}'s training loss became NaN at epoch ${epoch}; ` +
            `lower the learning rate (now ${options.learningRate}) or check the data for NaN`,
        );
      }
      options.onEpoch?.({ epoch, epochs, trainLoss, seconds: (Date.now() - started) / 1000 });
    }
  } catch (error) {
    tf.dispose(params);
    throw error;
  } finally {
    tf.dispose(losses);
    disposeAdam(adam);
    xFlat.dispose();
  }
  return batchedModel(params, inputShape, numClasses);
}

function batchedModel(params: Stack, inputShape: InputShape, numClasses: number): BatchedMlp {
  const models = params[0].shape[0];
  let disposed = false;
  const live = () => {
    if (disposed) throw new Error('BatchedMlp: used after dispose()');
  };
  return {
    count: models,
    async predictLogits(x, batchSize = 1024) {
      live();
      const count = x.shape[0];
      const out = Array.from({ length: models }, () => new Float32Array(count * numClasses));
      for (let start = 0; start < count; start += batchSize) {
        const size = Math.min(batchSize, count - start);
        const logits = tf.tidy(() => {
          const rows = x.slice([start, 0, 0, 0], [size, -1, -1, -1]).reshape([1, size, -1]) as tf.Tensor3D;
          return forward(params, rows);
        });
        const values = (await logits.data()) as Float32Array;
        logits.dispose();
        for (let k = 0; k < models; k++) {
          out[k].set(values.subarray(k * size * numClasses, (k + 1) * size * numClasses), start * numClasses);
        }
      }
      return out;
    },
    async readWeights(k) {
      live();
      const slices = tf.tidy(() => params.map((p) => p.slice([k, 0, 0], [1, -1, -1])));
      const values = await Promise.all(slices.map((s) => s.data() as Promise<Float32Array>));
      tf.dispose(slices);
      return values;
    },
    async toLayersModel(k) {
      live();
      const values = await this.readWeights(k);
      const model = ARCHITECTURES.mlp.build(inputShape, numClasses, 0);
      // Fresh tensors, not reshaped slices: tfjs-backend-wasm's _FusedMatMul reads a bias's rank from
      // the buffer it was allocated as, so a [1, 1, C] slice reshaped to [C] is refused there.
      const weights = model.getWeights().map((w, i) => tf.tensor(values[i], w.shape));
      model.setWeights(weights);
      tf.dispose(weights);
      return model;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose(params);
    },
  };
}
