/**
 * The training loop's cheaper bookkeeping (models/train.ts, models/predict.ts): figures straight
 * from float32 logits equal meanLoss/accuracy of the float64 predictions, lazily computed
 * predictions equal eager ones, one read-back over several parts equals one per part, and the
 * fused Adam step gives tf.train.adam's weights to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { logSoftmaxRows, softmaxRows } from '../src/core/math/softmax';
import { ARCHITECTURES } from '../src/core/models/architectures';
import { lazyPredictions, predictLogits, predictLogitsOfParts } from '../src/core/models/predict';
import { accuracy, adamStepper, logitFigures, meanLoss } from '../src/core/models/train';
import { createRng } from '../src/core/random';

// Four records, three classes: a memorised one (margin 50: p_y rounds to 1 in float64), a tie
// between classes 0 and 2 (the first wins), a wrong one, and an ordinary right one.
const LOGITS = Float32Array.from([50, 0, 0, 1, -2, 1, 0.5, 2, -1, -1, 0.25, 3]);
const LABELS = Uint8Array.from([0, 2, 0, 2]);

describe('logitFigures', () => {
  it('matches meanLoss and accuracy of the float64 predictions, memorised records and ties included', () => {
    const predictions = { probabilities: softmaxRows(LOGITS, 4, 3), logProbabilities: logSoftmaxRows(LOGITS, 4, 3), labels: LABELS, count: 4, numClasses: 3 };
    const figures = logitFigures(LOGITS, 0, LABELS, 3);
    expect(figures.accuracy).toBe(accuracy(predictions));
    expect(figures.loss).toBe(meanLoss(predictions));
    // By hand: record 1 ties 1 = 1, argmax 0 ≠ 2: wrong; records 0 and 3 right, record 2 wrong.
    expect(figures.accuracy).toBe(0.5);
    // Record 0's loss log1p(2e^−50) ≈ 3.9e−22 survives (from probabilities it would be exactly 0).
    const lossOf = (z: number[], y: number) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[y];
    const byHand = (Math.log1p(2 * Math.exp(-50)) + lossOf([1, -2, 1], 2) + lossOf([0.5, 2, -1], 0) + lossOf([-1, 0.25, 3], 2)) / 4;
    expect(figures.loss).toBeCloseTo(byHand, 12);
  });

  it('reads the rows of one part out of several: `first` skips the earlier parts', () => {
    const tail = logitFigures(LOGITS, 2, LABELS.subarray(2), 3);
    const alone = logitFigures(LOGITS.subarray(6), 0, LABELS.subarray(2), 3);
    expect(tail).toEqual(alone);
  });
});

describe('lazyPredictions', () => {
  it('gives the float64 softmax and log-softmax of the logits on first read', () => {
    const lazy = lazyPredictions(LOGITS, LABELS, 3);
    expect(Array.from(lazy.probabilities)).toEqual(Array.from(softmaxRows(LOGITS, 4, 3)));
    expect(Array.from(lazy.logProbabilities!)).toEqual(Array.from(logSoftmaxRows(LOGITS, 4, 3)));
    expect(lazy.probabilities).toBe(lazy.probabilities);
    expect({ count: lazy.count, numClasses: lazy.numClasses, labels: lazy.labels }).toEqual({ count: 4, numClasses: 3, labels: LABELS });
  });
});

describe('predictLogitsOfParts', () => {
  it('equals predictLogits on each part, concatenated, across batch boundaries, and leaves no tensor', async () => {
    await tf.setBackend('cpu');
    const model = ARCHITECTURES.mlp.build([28, 28, 1], 10, 3);
    const rng = createRng(5, 'parts');
    const part = (count: number) => tf.tensor4d(Float32Array.from({ length: count * 784 }, () => rng.next()), [count, 28, 28, 1]);
    const [a, b] = [part(7), part(5)];
    const before = tf.memory().numTensors;
    const together = await predictLogitsOfParts(model, [a, b], 3);
    const separately = [...(await predictLogits(model, a)), ...(await predictLogits(model, b))];
    expect(tf.memory().numTensors).toBe(before);
    expect(together.length).toBe(120);
    together.forEach((v, i) => expect(v).toBeCloseTo(separately[i], 5));
    tf.dispose([a, b]);
    model.dispose();
  });
});

describe('adamStepper', () => {
  it('takes the same steps as tf.train.adam (fused kernel on cpu), to float rounding, and frees its moments', async () => {
    await tf.setBackend('cpu');
    const rng = createRng(9, 'adam');
    const xs = tf.tensor4d(Float32Array.from({ length: 16 * 784 }, () => rng.next()), [16, 28, 28, 1]);
    const targets = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10).toFloat();
    const train = (model: tf.LayersModel, step: (loss: () => tf.Scalar) => void) => {
      for (let i = 0; i < 12; i++) tf.tidy(() => step(() => tf.losses.softmaxCrossEntropy(targets, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar));
      return model.getWeights().map((w) => w.dataSync() as Float32Array);
    };
    const reference = ARCHITECTURES.mlp.build([28, 28, 1], 10, 4);
    const optimizer = tf.train.adam(0.01);
    const expected = train(reference, (loss) => void optimizer.minimize(loss));
    const before = tf.memory().numTensors;
    const model = ARCHITECTURES.mlp.build([28, 28, 1], 10, 4);
    const stepper = adamStepper(model, 0.01);
    const actual = train(model, (loss) => stepper.step(loss));
    stepper.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    actual.forEach((weights, i) =>
      weights.forEach((w, j) => expect(Math.abs(w - expected[i][j])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected[i][j])))),
    );
    // The steps did something: 12 steps of lr 0.01 move weights well beyond rounding.
    const initial = ARCHITECTURES.mlp.build([28, 28, 1], 10, 4);
    const start = initial.getWeights()[2].dataSync();
    expect(Math.max(...Array.from(actual[2], (w, j) => Math.abs(w - start[j])))).toBeGreaterThan(0.01);
    tf.dispose([xs, targets]);
    optimizer.dispose();
    reference.dispose();
    initial.dispose();
  });
});
