/**
 * The training loop: Adam on softmax cross-entropy, seeded batch order, an evaluation of train and
 * test loss and accuracy after every epoch, cancellation between batches, and a clear error when
 * the loss stops being a number.
 *
 * Training-side defenses (src/core/defenses) hook in here: L2 in the loss, dropout through the
 * architecture builder, augmentation and mixup on each batch, early stopping around the epochs,
 * and DP-SGD in place of the ordinary step. Without `defenses` the loop is exactly the plain one.
 */
import * as tf from '@tensorflow/tfjs';
import { yieldSometimes } from '../pace';
import { lossSignal, correctnessSignal, type Predictions } from '../attacks/signals';
import { throwIfCancelled, type CancelSignal } from '../cancel';
import type { TrainingConfig } from '../config';
import { augmentBatch, drawAugmentation } from '../defenses/augmentation';
import { fusedAdam, hasFusedAdam, registerFusedAdamKernels, type FusedAdamAttrs } from '../kernels/fused-adam';
import { dpSgdAccounting, type DpSgdAccounting } from '../defenses/accounting';
import { poissonStepsInEpoch, privateGradients, samplePoissonBatch, shuffledBatches, type BatchedExamples, type DpSgdBatch } from '../defenses/dp-sgd';
import { BestWeights, validationSlice } from '../defenses/early-stopping';
import { kernelVariables, l2Penalty } from '../defenses/l2';
import { drawMixup, mixBatch } from '../defenses/mixup';
import { findDefenseProblems, resolveDefenses, type DefenseConfig, type ResolvedDefenses } from '../defenses/registry';
import { logSumExp } from '../math/softmax';
import { createRng, permutation, type Rng } from '../random';
import { ARCHITECTURES, type BuildOptions, type InputShape } from './architectures';
import { lazyPredictions, predictLogitsOfParts, type TensorPart } from './predict';

export interface EpochMetrics {
  readonly epoch: number;
  readonly epochs: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Wall time of this epoch's training and evaluation. */
  readonly seconds: number;
  /** On the early-stopping validation slice; absent without early stopping. */
  readonly validationLoss?: number;
  readonly validationAccuracy?: number;
  /** The target only: the metric attacks on this epoch's predictions (pipeline/live.ts). */
  readonly attacks?: readonly EpochAttackMetrics[];
}

/** One attack's figures on the target after an epoch. */
export interface EpochAttackMetrics {
  readonly name: string;
  readonly auc: number;
  readonly advantage: number;
  /** TPR at 1 % FPR. */
  readonly tprAt1: number;
  /** At the shadow-chosen threshold; absent while no shadow model is trained. */
  readonly accuracy?: number;
}

export interface TrainOptions {
  readonly config: TrainingConfig;
  readonly inputShape: InputShape;
  readonly numClasses: number;
  /** Seeds the initial weights and the batch order. */
  readonly seed: number;
  readonly train: TensorPart;
  /** Held-out records for the per-epoch test figures (never trained on). */
  readonly test: TensorPart;
  /** A name for messages: "target model", "shadow model". */
  readonly name: string;
  /** After each epoch, with the model's predictions on the records it trained on and on `test`. */
  readonly onEpoch?: (metrics: EpochMetrics, predictions: EpochPredictions) => unknown;
  readonly signal?: CancelSignal;
  /** Awaited before every epoch: a paused run waits here (the app's pause and step). */
  readonly gate?: () => Promise<void>;
  /** Training-side defenses to apply; output-side ones in the same config are ignored here. */
  readonly defenses?: DefenseConfig;
}

/** The per-epoch evaluation's predictions, handed on so live attacks need no second pass. */
export interface EpochPredictions {
  /** On the records trained on (`train` less any validation slice). */
  readonly train: Predictions;
  readonly test: Predictions;
}

export interface EarlyStoppingReport {
  readonly patience: number;
  /** The epoch whose weights the returned model has. */
  readonly bestEpoch: number;
  /** The last epoch trained (config.epochs when patience never ran out). */
  readonly stoppedEpoch: number;
  readonly stoppedEarly: boolean;
}

export interface TrainedModel {
  /** The caller owns it and must dispose it. */
  readonly model: tf.LayersModel;
  readonly history: readonly EpochMetrics[];
  /**
   * Early stopping only: positions in `train` held out for validation, ascending. They were never
   * trained on: leave them out of the members (validationSlice gives the same positions upfront).
   */
  readonly validationIndices?: Int32Array;
  readonly earlyStopping?: EarlyStoppingReport;
  /** DP-SGD only: what the privacy accountant must be told about the run. */
  readonly dpSgd?: DpSgdAccounting;
}

/** Training diverged or failed; the message says where and what to try. */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export function meanLoss(predictions: Predictions): number {
  const losses = lossSignal(predictions);
  let sum = 0;
  for (let i = 0; i < losses.length; i++) sum += losses[i];
  return sum / losses.length;
}

export function accuracy(predictions: Predictions): number {
  const correct = correctnessSignal(predictions);
  let sum = 0;
  for (let i = 0; i < correct.length; i++) sum += correct[i];
  return sum / correct.length;
}

/**
 * meanLoss and accuracy straight from `count` rows of float32 logits starting at row `first`, with
 * no probability arrays: per row the loss is log1p(Σ_{c≠y} e^{z_c − z_y}) when y is the top class
 * (exact for memorised records, as logSoftmaxRows) and logsumexp(z) − z_y otherwise; the same
 * numbers meanLoss and accuracy give on predict's output. Ties go to the first class, as there.
 */
export function logitFigures(logits: Float32Array, first: number, labels: ArrayLike<number>, numClasses: number): { loss: number; accuracy: number } {
  const count = labels.length;
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const offset = (first + i) * numClasses;
    const label = labels[i];
    let top = 0;
    for (let c = 1; c < numClasses; c++) if (logits[offset + c] > logits[offset + top]) top = c;
    if (top === label) {
      correct++;
      let others = 0;
      for (let c = 0; c < numClasses; c++) if (c !== top) others += Math.exp(logits[offset + c] - logits[offset + top]);
      lossSum += Math.log1p(others);
    } else {
      lossSum += logSumExp(logits, offset, numClasses) - logits[offset + label];
    }
  }
  return { loss: lossSum / count, accuracy: correct / count };
}

/** The records of `part` at `positions`, uploaded as a new part the caller disposes. */
function subsetPart(part: TensorPart, positions: Int32Array): TensorPart {
  return tf.tidy(() => {
    const indices = tf.tensor1d(positions, 'int32');
    return {
      x: tf.gather(part.x, indices) as tf.Tensor4D,
      y: tf.gather(part.y, indices) as tf.Tensor1D,
      labels: Uint8Array.from(positions, (p) => part.labels[p]),
      count: positions.length,
    };
  });
}

/** Minimises a loss over a model's trainable weights, one batch at a time. */
export interface Stepper {
  /** One step on `loss`; call it inside a tidy. */
  step(loss: () => tf.Scalar): void;
  /** One step on gradients already made (DP-SGD's clipped, noised ones), by variable name; inside a tidy. */
  apply(gradients: tf.NamedTensorMap): void;
  dispose(): void;
}

// tfjs's Adam defaults (tf.train.adam): β1, β2, and the float32 backends' epsilon.
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * Adam (Kingma & Ba, arXiv:1412.6980) on `model`'s trainable weights. On wasm and cpu each weight
 * steps in one fused kernel (kernels/fused-adam.ts) instead of tfjs's ~15 elementwise ops: an MLP
 * epoch makes 1,216 kernel calls instead of 2,160, though its JS loop is no faster than the wasm
 * ops, and on the loaded 2-core machine the epoch measured the same either way (bench/README.md,
 * "A training step"). Same formula and bias corrections
 * as tf.train.adam (β^t accumulated in float32, t from 1); the fused arithmetic rounds once per
 * result instead of per op, so weights agree with tf.train.adam's to float rounding, not bit for
 * bit. Other backends (webgl, webgpu) get tf.train.adam itself. DP-SGD steps through the same Adam
 * with its clipped, noised gradients (`apply`), so a run holds one optimiser.
 */
export function adamStepper(model: tf.LayersModel, learningRate: number): Stepper {
  registerFusedAdamKernels();
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (!hasFusedAdam()) {
    const optimizer: tf.Optimizer = tf.train.adam(learningRate, BETA1, BETA2, EPSILON);
    return {
      step: (loss) => void optimizer.minimize(loss, false, variables),
      apply: (gradients) => optimizer.applyGradients(gradients),
      dispose: () => optimizer.dispose(),
    };
  }
  const m: tf.Tensor[] = variables.map((w) => tf.zerosLike(w));
  const v: tf.Tensor[] = variables.map((w) => tf.zerosLike(w));
  let power1 = 1;
  let power2 = 1;
  const apply = (grads: tf.NamedTensorMap) => {
    power1 = Math.fround(power1 * Math.fround(BETA1));
    power2 = Math.fround(power2 * Math.fround(BETA2));
    const attrs: FusedAdamAttrs = {
      beta1: BETA1,
      beta2: BETA2,
      epsilon: EPSILON,
      learningRate,
      correction1: [Math.fround(1 - power1)],
      correction2: [Math.fround(1 - power2)],
      active: [1],
    };
    variables.forEach((variable, i) => {
      const gradient = grads[variable.name];
      // A weight the loss does not reach keeps its value and moments, as tf.train.adam leaves it.
      if (gradient === undefined) return;
      const [w2, m2, v2] = fusedAdam(variable, gradient, m[i], v[i], attrs);
      variable.assign(w2);
      tf.dispose([m[i], v[i]]);
      m[i] = tf.keep(m2);
      v[i] = tf.keep(v2);
    });
  };
  return {
    step: (loss) => apply(tf.variableGrads(loss, variables).grads),
    apply,
    dispose() {
      tf.dispose([...m, ...v]);
    },
  };
}

/** Everything one epoch needs, fixed for the whole run. */
interface TrainingRun {
  readonly model: tf.LayersModel;
  /** The plain (non-private) step: fused Adam where the backend has it. */
  readonly stepper: Stepper;
  /** The records trained on: `train`, less any validation slice. */
  readonly part: TensorPart;
  /** `part`'s labels one-hot, float32, made once a run: a batch gathers its rows. */
  readonly oneHot: tf.Tensor2D;
  readonly defenses: ResolvedDefenses;
  readonly kernels: readonly tf.Variable[];
  readonly batchOrder: Rng;
  readonly augmentationRng: Rng;
  readonly mixupRng: Rng;
  readonly samplingRng: Rng;
  readonly noiseRng: Rng;
}

/** Inputs and targets for the records at `positions`, augmented and mixed as the defenses ask. */
function makeBatch(run: TrainingRun, positions: Int32Array, numClasses: number): { xs: tf.Tensor4D; targets: tf.Tensor2D } {
  const { part, defenses } = run;
  const indices = tf.tensor1d(positions, 'int32');
  let xs = tf.gather(part.x, indices) as tf.Tensor4D;
  let targets = tf.gather(run.oneHot, indices) as tf.Tensor2D;
  const augmentation = defenses.augmentation;
  if (augmentation) {
    const plan = drawAugmentation(positions.length, augmentation.shift, augmentation.flip === 'horizontal', run.augmentationRng);
    xs = augmentBatch(xs, plan);
  }
  if (defenses.mixup) ({ xs, targets } = mixBatch(xs, targets, drawMixup(positions.length, defenses.mixup.alpha, run.mixupRng)));
  return { xs, targets };
}

/** Mean softmax cross-entropy of the records at `positions` (soft targets under mixup). */
function dataLoss(run: TrainingRun, positions: Int32Array, numClasses: number): tf.Scalar {
  const { xs, targets } = makeBatch(run, positions, numClasses);
  const logits = run.model.apply(xs, { training: true }) as tf.Tensor;
  return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
}

/** One pass over the training part in seeded random order. */
async function runEpoch(run: TrainingRun, options: TrainOptions): Promise<void> {
  const { config, numClasses, signal, name } = options;
  const order = permutation(run.part.count, run.batchOrder);
  const l2 = run.defenses.l2;
  for (let start = 0; start < order.length; start += config.batchSize) {
    throwIfCancelled(signal, `training the ${name}`);
    const batchIndices = order.subarray(start, Math.min(start + config.batchSize, order.length));
    tf.tidy(() => {
      run.stepper.step(() => {
        const loss = dataLoss(run, batchIndices, numClasses);
        return l2 && l2.lambda > 0 ? (tf.add(loss, l2Penalty(run.kernels, l2.lambda)) as tf.Scalar) : loss;
      });
    });
    // Let progress events, cancel and pause messages (and, on a page, rendering) through now and then.
    await yieldSometimes();
  }
}

/** One epoch of DP-SGD (see defenses/dp-sgd.ts for the sampling and microbatches); returns its steps. */
async function runPrivateEpoch(run: TrainingRun, options: TrainOptions, epoch: number): Promise<number> {
  const { config, numClasses, signal, name } = options;
  const dp = run.defenses['dp-sgd']!;
  const n = run.part.count;
  const batches: (() => DpSgdBatch)[] =
    dp.sampling === 'poisson'
      ? Array.from({ length: poissonStepsInEpoch(epoch, n, config.batchSize) }, () => () =>
          samplePoissonBatch(n, config.batchSize, dp.microbatchSize, run.samplingRng),
        )
      : shuffledBatches(permutation(n, run.batchOrder), config.batchSize, dp.microbatchSize).map((b) => () => b);
  const variables = run.model.trainableWeights.map((w) => w.read() as tf.Variable);
  // One pass per batch instead of one gradient per example (defenses/per-example-grads.ts).
  const batched: BatchedExamples = { model: run.model, examplesOf: (positions) => tf.tidy(() => makeBatch(run, positions, numClasses)) };
  const l2 = run.defenses.l2;
  for (const nextBatch of batches) {
    throwIfCancelled(signal, `training the ${name}`);
    const batch = nextBatch();
    const gradients = privateGradients(variables, batch, (positions) => dataLoss(run, positions, numClasses), dp, run.noiseRng, batched);
    tf.tidy(() => {
      const named: tf.NamedTensorMap = {};
      variables.forEach((v, i) => {
        // The L2 gradient 2λW does not depend on the data: added after the noise, it costs no privacy.
        const decay = l2 && l2.lambda > 0 && run.kernels.includes(v) ? tf.mul(2 * l2.lambda, v) : null;
        named[v.name] = decay ? tf.add(gradients[i], decay) : gradients[i];
      });
      run.stepper.apply(named);
    });
    gradients.forEach((g) => g.dispose());
    await yieldSometimes();
  }
  return batches.length;
}

/** How the architecture is built under `defenses` (dropout adds layers): the same when rebuilt from weights. */
export function buildOptionsFor(defenses: DefenseConfig): BuildOptions {
  return { dropoutRate: resolveDefenses(defenses).dropout?.rate };
}

/** Train a fresh model of `config.architecture` on `train`, reporting each epoch. */
export async function trainClassifier(options: TrainOptions): Promise<TrainedModel> {
  const { config, inputShape, numClasses, seed, train, test, name } = options;
  const defenseProblems = findDefenseProblems(options.defenses ?? {}, config, 'defenses');
  if (defenseProblems.length > 0) throw new RangeError(defenseProblems.join('; '));
  const defenses = resolveDefenses(options.defenses ?? {});
  const model = ARCHITECTURES[config.architecture].build(inputShape, numClasses, createRng(seed, 'init').nextSeed(), buildOptionsFor(options.defenses ?? {}));
  const stopping = defenses['early-stopping'];
  const split = stopping ? validationSlice(train.count, stopping.validationFraction, seed) : undefined;
  const part = split ? subsetPart(train, split.train) : train;
  const validation = split ? subsetPart(train, split.validation) : undefined;
  const best = stopping ? new BestWeights(stopping.patience) : undefined;
  const run: TrainingRun = {
    model,
    stepper: adamStepper(model, config.learningRate),
    part,
    oneHot: tf.tidy(() => tf.oneHot(part.y, numClasses).toFloat() as tf.Tensor2D),
    defenses,
    kernels: defenses.l2 ? kernelVariables(model) : [],
    batchOrder: createRng(seed, 'batches'),
    augmentationRng: createRng(seed, 'augmentation'),
    mixupRng: createRng(seed, 'mixup'),
    samplingRng: createRng(seed, 'dp-sgd/sampling'),
    noiseRng: createRng(seed, 'dp-sgd/noise'),
  };
  const history: EpochMetrics[] = [];
  let steps = 0;
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      await options.gate?.();
      throwIfCancelled(options.signal, `training the ${name}`);
      const started = Date.now();
      if (defenses['dp-sgd']) steps += await runPrivateEpoch(run, options, epoch);
      else await runEpoch(run, options);
      // One pass over the records trained on, the test part and any validation slice; one read-back.
      const logits = await predictLogitsOfParts(model, validation ? [part.x, test.x, validation.x] : [part.x, test.x]);
      if (!logits.every(Number.isFinite)) {
        throw new TrainingError(
          `the ${name}'s training loss became NaN at epoch ${epoch}; ` +
            `lower the learning rate (now ${config.learningRate}) or check the data for NaN`,
        );
      }
      const onTrain = logitFigures(logits, 0, part.labels, numClasses);
      const onTest = logitFigures(logits, part.count, test.labels, numClasses);
      const onValidation = validation ? logitFigures(logits, part.count + test.count, validation.labels, numClasses) : undefined;
      const metrics: EpochMetrics = {
        epoch,
        epochs: config.epochs,
        trainLoss: onTrain.loss,
        trainAccuracy: onTrain.accuracy,
        testLoss: onTest.loss,
        testAccuracy: onTest.accuracy,
        seconds: (Date.now() - started) / 1000,
        ...(onValidation ? { validationLoss: onValidation.loss, validationAccuracy: onValidation.accuracy } : {}),
      };
      history.push(metrics);
      await options.onEpoch?.(metrics, {
        train: lazyPredictions(logits.subarray(0, part.count * numClasses), part.labels, numClasses),
        test: lazyPredictions(logits.subarray(part.count * numClasses, (part.count + test.count) * numClasses), test.labels, numClasses),
      });
      if (best && best.update(model, epoch, metrics.validationLoss!)) break;
    }
    best?.restore(model);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    run.stepper.dispose();
    run.oneHot.dispose();
    best?.dispose();
    if (part !== train) disposePartTensors(part);
    if (validation) disposePartTensors(validation);
  }
  const epochsRun = history.length;
  return {
    model,
    history,
    ...(split && stopping && best
      ? {
          validationIndices: split.validation,
          earlyStopping: { patience: stopping.patience, bestEpoch: best.bestEpoch, stoppedEpoch: epochsRun, stoppedEarly: epochsRun < config.epochs },
        }
      : {}),
    ...(defenses['dp-sgd'] ? { dpSgd: dpSgdAccounting(defenses['dp-sgd'], part.count, config.batchSize, steps, epochsRun) } : {}),
  };
}

function disposePartTensors(part: TensorPart): void {
  part.x.dispose();
  part.y.dispose();
}
