/**
 * From images to what an attacker sees: a prediction vector per record. The graph stops at logits;
 * softmax runs here in float64 so that a confident member's p_y = 1 − 1e−12 stays distinguishable
 * from 1 (float32 would round it to exactly 1 and erase the loss attack's signal).
 */
import * as tf from '@tensorflow/tfjs';
import type { Predictions } from '../attacks/signals';
import { logSoftmaxRows, softmaxRows } from '../math/softmax';
import type { InputShape } from './architectures';

/** A part of the data uploaded once as tensors, with its labels kept on the JS side too. */
export interface TensorPart {
  /** Pixels scaled to [0, 1]: count × height × width × channels. */
  readonly x: tf.Tensor4D;
  /** Class indices, int32. */
  readonly y: tf.Tensor1D;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface LabelledImages {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export function uploadPart(part: LabelledImages, shape: InputShape): TensorPart {
  const [height, width, channels] = shape;
  const pixels = new Float32Array(part.images.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = part.images[i] / 255;
  return {
    x: tf.tensor4d(pixels, [part.count, height, width, channels]),
    y: tf.tensor1d(Int32Array.from(part.labels), 'int32'),
    labels: part.labels,
    count: part.count,
  };
}

/**
 * A part whose tensors are made on first use: a stage that finds its outputs in the cache never
 * reads them, and then nothing is gathered or uploaded. Made inside a tf.tidy, they are kept: the
 * part, not the scope that first read it, owns them.
 */
class LazyTensorPart implements TensorPart {
  private tensors?: { readonly x: tf.Tensor4D; readonly y: tf.Tensor1D };

  constructor(
    readonly labels: Uint8Array,
    private readonly gather: () => LabelledImages,
    private readonly shape: InputShape,
  ) {}

  get count(): number {
    return this.labels.length;
  }

  private made(): { readonly x: tf.Tensor4D; readonly y: tf.Tensor1D } {
    if (!this.tensors) {
      const { x, y } = uploadPart(this.gather(), this.shape);
      this.tensors = { x: tf.keep(x), y: tf.keep(y) };
    }
    return this.tensors;
  }

  get x(): tf.Tensor4D {
    return this.made().x;
  }

  get y(): tf.Tensor1D {
    return this.made().y;
  }

  dispose(): void {
    this.tensors?.x.dispose();
    this.tensors?.y.dispose();
  }
}

/** A part of `labels` whose pixels `gather` gives, uploaded only when its tensors are first read. */
export function lazyPart(labels: Uint8Array, gather: () => LabelledImages, shape: InputShape): TensorPart {
  return new LazyTensorPart(labels, gather, shape);
}

export function disposePart(part: TensorPart): void {
  if (part instanceof LazyTensorPart) return part.dispose();
  part.x.dispose();
  part.y.dispose();
}

/**
 * Logits of `model` on every record of each tensor in `xs`, batch by batch, read back once as one
 * array (the records of xs[0], then xs[1], …). The per-epoch evaluation passes the train and test
 * parts here: one read-back an epoch, and no second copy of the parts on the device.
 */
export async function predictLogitsOfParts(model: tf.LayersModel, xs: readonly tf.Tensor4D[], batchSize = 1024): Promise<Float32Array> {
  const batches: tf.Tensor[] = [];
  for (const x of xs) {
    const count = x.shape[0];
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      // One forward pass per batch, in inference mode (as model.predict, whose own loop would cut
      // the batch again into 32s, copying the input with a slice each time).
      batches.push(tf.tidy(() => model.apply(size === count ? x : x.slice([start, 0, 0, 0], [size, -1, -1, -1]), { training: false }) as tf.Tensor));
    }
  }
  const all = batches.length === 1 ? batches[0] : tf.concat(batches, 0);
  const logits = (await all.data()) as Float32Array;
  if (all !== batches[0]) all.dispose();
  batches.forEach((b) => b.dispose());
  return logits;
}

/** Logits of `model` on every record of `x`, batch by batch, read back once. */
export function predictLogits(model: tf.LayersModel, x: tf.Tensor4D, batchSize = 1024): Promise<Float32Array> {
  return predictLogitsOfParts(model, [x], batchSize);
}

/** The model's prediction vectors on a part: what the attacks score. */
export async function predict(model: tf.LayersModel, part: TensorPart, numClasses: number): Promise<Predictions> {
  const logits = await predictLogits(model, part.x);
  return {
    probabilities: softmaxRows(logits, part.count, numClasses),
    logProbabilities: logSoftmaxRows(logits, part.count, numClasses),
    labels: part.labels,
    count: part.count,
    numClasses,
  };
}

/**
 * Prediction vectors whose float64 softmax and log-softmax are computed on first read. The
 * per-epoch evaluation makes them for every model, and only the target's live attacks read them.
 */
export function lazyPredictions(logits: Float32Array, labels: Uint8Array, numClasses: number): Predictions {
  const count = labels.length;
  let probabilities: Float64Array | undefined;
  let logProbabilities: Float64Array | undefined;
  return {
    get probabilities() {
      return (probabilities ??= softmaxRows(logits, count, numClasses));
    },
    get logProbabilities() {
      return (logProbabilities ??= logSoftmaxRows(logits, count, numClasses));
    },
    labels,
    count,
    numClasses,
  };
}
