/**
 * The queries behind the label-only attacks (attacks/label-only.ts): perturbed copies of a part's
 * records sent through a model. The logits of every view are kept (views × count × numClasses), so
 * the output defenses are applied later like everywhere else and only the released label is read.
 * One view at a time is on the device, so a pool of thousands of records with a few dozen views
 * stays small; every tensor made here is disposed before it returns.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch } from '../defenses/augmentation';
import type { Rng } from '../random';
import { drawNoiseBlock, type AugmentationView, type LabelQueries, type NoisePlan } from './label-only';
import { predictLogits, type TensorPart } from '../models/predict';

/** A model's logits on `views` perturbed copies of `count` records, view after view (view 0 = the records as they are). */
export interface ViewLogits {
  readonly logits: Float32Array;
  readonly count: number;
  readonly views: number;
}

async function collect(model: tf.LayersModel, part: TensorPart, views: number, view: (v: number) => tf.Tensor4D): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let v = 0; v < views; v++) {
    const x = view(v);
    try {
      out.push(await predictLogits(model, x));
    } finally {
      if (x !== part.x) x.dispose();
    }
  }
  return out;
}

function concat(parts: readonly Float32Array[], count: number): ViewLogits {
  const logits = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    logits.set(p, at);
    at += p.length;
  }
  return { logits, count, views: parts.length };
}

/** The model's logits on each augmented view of the part (view 0 is the record itself). */
export async function augmentationViewLogits(model: tf.LayersModel, part: TensorPart, views: readonly AugmentationView[]): Promise<ViewLogits> {
  const n = part.count;
  const parts = await collect(model, part, views.length, (v) => {
    const { dx, dy, flip } = views[v];
    if (dx === 0 && dy === 0 && !flip) return part.x;
    return augmentBatch(part.x, { dx: new Int32Array(n).fill(dx), dy: new Int32Array(n).fill(dy), flip: new Uint8Array(n).fill(flip ? 1 : 0) });
  });
  return concat(parts, n);
}

/** The model's logits on the clean part (view 0), then on `copies` noisy copies per noise level, pixels clipped to [0, 1]. */
export async function noiseViewLogits(model: tf.LayersModel, part: TensorPart, plan: NoisePlan, rng: Rng): Promise<ViewLogits> {
  const levels = plan.sigmas.flatMap((sigma) => Array.from({ length: plan.copies }, () => sigma));
  const parts = await collect(model, part, 1 + levels.length, (v) => {
    if (v === 0) return part.x;
    const noise = drawNoiseBlock(levels[v - 1], part.x.size, rng);
    return tf.tidy(() => tf.clipByValue(tf.add(part.x, tf.tensor(noise, part.x.shape)), 0, 1) as tf.Tensor4D);
  });
  return concat(parts, part.count);
}

/**
 * The label the attacker is told for each view of each record: `release` turns one view's logits
 * into released labels (the argmax of the output-defended probabilities).
 */
export function releasedLabels(views: ViewLogits, labels: ArrayLike<number>, numClasses: number, release: (logits: Float32Array, view: number) => Uint8Array): LabelQueries {
  const { count } = views;
  const predicted = new Uint8Array(views.views * count);
  for (let v = 0; v < views.views; v++) {
    predicted.set(release(views.logits.subarray(v * count * numClasses, (v + 1) * count * numClasses), v), v * count);
  }
  return { predicted, labels, count, views: views.views };
}

/** The argmax of each row of probabilities (the first on ties, as correctness reads it). */
export function argmaxRows(probabilities: ArrayLike<number>, count: number, numClasses: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probabilities[i * numClasses + c] > probabilities[i * numClasses + best]) best = c;
    out[i] = best;
  }
  return out;
}
