/**
 * Data augmentation on a training batch: random shifts by up to s pixels (zeros fill the border)
 * and, when asked, left-right flips. The random choices are drawn on the JS side from a seeded
 * generator and applied as one gather, so the result is exact and reproducible on every backend.
 * Flips are wrong for digits and clothing (a mirrored 3 or a shoe pointing the other way changes
 * what a class looks like); the registry says so and they are off by default.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';

/** Per-image choices: shift right by dx, down by dy, mirrored first when flip[i] is 1. */
export interface AugmentationPlan {
  readonly dx: Int32Array;
  readonly dy: Int32Array;
  readonly flip: Uint8Array;
}

/** Uniform shifts in [−shift, shift] on both axes; each image flipped with probability ½ when `flip`. */
export function drawAugmentation(count: number, shift: number, flip: boolean, rng: Rng): AugmentationPlan {
  const plan = { dx: new Int32Array(count), dy: new Int32Array(count), flip: new Uint8Array(count) };
  for (let i = 0; i < count; i++) {
    plan.dx[i] = rng.nextInt(2 * shift + 1) - shift;
    plan.dy[i] = rng.nextInt(2 * shift + 1) - shift;
    plan.flip[i] = flip && rng.next() < 0.5 ? 1 : 0;
  }
  return plan;
}

/**
 * The batch with each image moved by its plan: out[b, y, x] = in[b, y − dy, x₀ − dx], where
 * x₀ = w − 1 − x for a flipped image and x otherwise, and 0 where that falls outside the image.
 */
export function augmentBatch(xs: tf.Tensor4D, plan: AugmentationPlan): tf.Tensor4D {
  const [n, h, w, c] = xs.shape;
  const zeroRow = n * h * w;
  const source = new Int32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const sy = y - plan.dy[b];
      for (let x = 0; x < w; x++) {
        const sx = (plan.flip[b] ? w - 1 - x : x) - plan.dx[b];
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        source[(b * h + y) * w + x] = inside ? (b * h + sy) * w + sx : zeroRow;
      }
    }
  }
  return tf.tidy(() => {
    const pixels = tf.concat([xs.reshape([n * h * w, c]), tf.zeros([1, c])], 0);
    return tf.gather(pixels, tf.tensor1d(source, 'int32')).reshape([n, h, w, c]) as tf.Tensor4D;
  });
}
