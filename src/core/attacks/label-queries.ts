/**
 * The queries behind the label-only attacks (attacks/label-only.ts): perturbed copies of a part's
 * records, sent through a model, of which only the predicted label is kept, as a label-only API
 * would answer. One view at a time is on the device, so a pool of thousands of records with a
 * dozen views stays small; every tensor made here is disposed before it returns.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch } from '../defenses/augmentation';
import type { Rng } from '../random';
import { drawNoiseBlock, type AugmentationView, type LabelQueries, type NoisePlan } from './label-only';
import { predictLogits, type TensorPart } from '../models/predict';

/** What the attacker is told for `count` logit rows: by default the argmax (first on ties). */
export type ReleaseLabels = (logits: Float32Array, count: number) => Uint8Array;

export function argmaxLabels(numClasses: number): ReleaseLabels {
  return (logits, count) => {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      let best = 0;
      for (let c = 1; c < numClasses; c++) if (logits[i * numClasses + c] > logits[i * numClasses + best]) best = c;
      out[i] = best;
    }
    return out;
  };
}

async function collect(part: TensorPart, views: number, release: ReleaseLabels, view: (v: number) => tf.Tensor4D, model: tf.LayersModel): Promise<LabelQueries> {
  const predicted = new Uint8Array(views * part.count);
  for (let v = 0; v < views; v++) {
    const x = view(v);
    try {
      predicted.set(release(await predictLogits(model, x), part.count), v * part.count);
    } finally {
      if (x !== part.x) x.dispose();
    }
  }
  return { predicted, labels: part.labels, count: part.count, views };
}

/** The model's labels on each augmented view of the part (view 0 is the record itself). */
export function augmentationLabelQueries(model: tf.LayersModel, part: TensorPart, views: readonly AugmentationView[], release: ReleaseLabels): Promise<LabelQueries> {
  const n = part.count;
  return collect(part, views.length, release, (v) => {
    const { dx, dy, flip } = views[v];
    if (dx === 0 && dy === 0 && !flip) return part.x;
    return augmentBatch(part.x, { dx: new Int32Array(n).fill(dx), dy: new Int32Array(n).fill(dy), flip: new Uint8Array(n).fill(flip ? 1 : 0) });
  }, model);
}

/** The model's labels on the clean part (view 0), then on `copies` noisy copies per noise level, pixels clipped to [0, 1]. */
export function noiseLabelQueries(model: tf.LayersModel, part: TensorPart, plan: NoisePlan, rng: Rng, release: ReleaseLabels): Promise<LabelQueries> {
  const levels = plan.sigmas.flatMap((sigma) => Array.from({ length: plan.copies }, () => sigma));
  return collect(part, 1 + levels.length, release, (v) => {
    if (v === 0) return part.x;
    const noise = drawNoiseBlock(levels[v - 1], part.x.size, rng);
    return tf.tidy(() => tf.clipByValue(tf.add(part.x, tf.tensor(noise, part.x.shape)), 0, 1) as tf.Tensor4D);
  }, model);
}
