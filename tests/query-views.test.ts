import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryViews } from '../src/core/models/references';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('queryViews (LiRA augmented queries)', () => {
  it('is the record alone without augmentation', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const views = queryViews(x, false);
    expect(views).toHaveLength(1);
    expect(Array.from(views[0].dataSync())).toEqual([1, 2, 3, 4]);
    views.forEach((v) => v.dispose());
    x.dispose();
  });

  it('adds the four one-pixel shifts (zero-filled), and a mirror image only for colour images', () => {
    const before = tf.memory().numTensors;
    // 3×3 grey image 1..9, row-major.
    const grey = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const views = queryViews(grey, true);
    expect(views.map((v) => Array.from(v.dataSync()))).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
      [0, 0, 0, 1, 2, 3, 4, 5, 6], // content moved down one row (the view starts one row above)
      [4, 5, 6, 7, 8, 9, 0, 0, 0],
      [0, 1, 2, 0, 4, 5, 0, 7, 8],
      [2, 3, 0, 5, 6, 0, 8, 9, 0],
    ]);
    views.forEach((v) => v.dispose());
    grey.dispose();
    const colour = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const colourViews = queryViews(colour, true);
    expect(colourViews).toHaveLength(6);
    colourViews.forEach((v) => expect(v.shape).toEqual([2, 4, 4, 3]));
    colourViews.forEach((v) => v.dispose());
    colour.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
