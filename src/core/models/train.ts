/**
 * The training loop: Adam on softmax cross-entropy, seeded batch order, an evaluation of train and
 * test loss and accuracy after every epoch, cancellation between batches, and a clear error when
 * the loss stops being a number.
 */
import * as tf from '@tensorflow/tfjs';
import { lossSignal, correctnessSignal, type Predictions } from '../attacks/signals';
import { throwIfCancelled, type CancelSignal } from '../cancel';
import type { TrainingConfig } from '../config';
import { createRng, permutation } from '../random';
import { ARCHITECTURES, type InputShape } from './architectures';
import { predict, type TensorPart } from './predict';

export interface EpochMetrics {
  readonly epoch: number;
  readonly epochs: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Wall time of this epoch's training and evaluation. */
  readonly seconds: number;
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
  readonly onEpoch?: (metrics: EpochMetrics) => void;
  readonly signal?: CancelSignal;
}

export interface TrainedModel {
  /** The caller owns it and must dispose it. */
  readonly model: tf.LayersModel;
  readonly history: readonly EpochMetrics[];
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

/** One pass over the training part in seeded random order. */
async function runEpoch(model: tf.LayersModel, optimizer: tf.Optimizer, options: TrainOptions, order: Int32Array): Promise<void> {
  const { train, config, numClasses, signal, name } = options;
  for (let start = 0; start < order.length; start += config.batchSize) {
    throwIfCancelled(signal, `training the ${name}`);
    const batchIndices = order.subarray(start, Math.min(start + config.batchSize, order.length));
    tf.tidy(() => {
      const indices = tf.tensor1d(batchIndices, 'int32');
      const xs = tf.gather(train.x, indices);
      const targets = tf.oneHot(tf.gather(train.y, indices), numClasses);
      optimizer.minimize(() => {
        const logits = model.apply(xs, { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
      });
    });
    // Let progress events, cancellation and (in a browser) rendering through between batches.
    await tf.nextFrame();
  }
}

/** Train a fresh model of `config.architecture` on `train`, reporting each epoch. */
export async function trainClassifier(options: TrainOptions): Promise<TrainedModel> {
  const { config, inputShape, numClasses, seed, train, test, name } = options;
  const model = ARCHITECTURES[config.architecture].build(inputShape, numClasses, createRng(seed, 'init').nextSeed());
  const optimizer = tf.train.adam(config.learningRate);
  const batchOrder = createRng(seed, 'batches');
  const history: EpochMetrics[] = [];
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const started = Date.now();
      await runEpoch(model, optimizer, options, permutation(train.count, batchOrder));
      const onTrain = await predict(model, train, numClasses);
      if (!onTrain.probabilities.every(Number.isFinite)) {
        throw new TrainingError(
          `the ${name}'s training loss became NaN at epoch ${epoch}; ` +
            `lower the learning rate (now ${config.learningRate}) or check the data for NaN`,
        );
      }
      const onTest = await predict(model, test, numClasses);
      const metrics: EpochMetrics = {
        epoch,
        epochs: config.epochs,
        trainLoss: meanLoss(onTrain),
        trainAccuracy: accuracy(onTrain),
        testLoss: meanLoss(onTest),
        testAccuracy: accuracy(onTest),
        seconds: (Date.now() - started) / 1000,
      };
      history.push(metrics);
      options.onEpoch?.(metrics);
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
  return { model, history };
}
