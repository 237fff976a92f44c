import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../src/core/cancel';
import { ARCHITECTURES, ARCHITECTURE_IDS, type InputShape } from '../src/core/models/architectures';
import { disposePart, predict, uploadPart } from '../src/core/models/predict';
import { softmaxRows } from '../src/core/math/softmax';
import { TrainingError, trainClassifier } from '../src/core/models/train';
import { gatherImages } from '../src/core/datasets/split';
import { makeSyntheticDataset } from './fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES: readonly InputShape[] = [
  [28, 28, 1],
  [32, 32, 3],
];

describe('architecture registry', () => {
  for (const id of ARCHITECTURE_IDS) {
    for (const shape of SHAPES) {
      it(`${id} maps ${shape.join('×')} images to one logit per class`, () => {
        const model = ARCHITECTURES[id].build(shape, 10, 1);
        const out = tf.tidy(() => (model.predict(tf.zeros([2, ...shape])) as tf.Tensor).shape);
        expect(out).toEqual([2, 10]);
        model.dispose();
      });
    }
  }

  it('gives the same initial weights for the same seed and different ones for another', () => {
    const weightsOf = (seed: number) => {
      const model = ARCHITECTURES.mlp.build([28, 28, 1], 10, seed);
      const values = model.getWeights()[0].dataSync().slice(0, 50);
      model.dispose();
      return Array.from(values);
    };
    expect(weightsOf(3)).toEqual(weightsOf(3));
    expect(weightsOf(3)).not.toEqual(weightsOf(4));
  });
});

describe('softmaxRows', () => {
  it('is stable for huge logits and keeps p_y below 1 in float64', () => {
    const p = softmaxRows(new Float32Array([1000, 0, -1000, 30, 0, 0]), 2, 3);
    expect(Array.from(p.slice(0, 3))).toEqual([1, 0, 0]);
    expect(p[3]).toBeLessThan(1);
    expect(-Math.log(p[3])).toBeGreaterThan(0);
    expect(p[3] + p[4] + p[5]).toBeCloseTo(1, 14);
  });
});

describe('trainClassifier', () => {
  const data = makeSyntheticDataset(240);
  const indices = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);

  it('learns, reports every epoch and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const train = uploadPart(gatherImages(data, indices(0, 120)), data.shape);
    const test = uploadPart(gatherImages(data, indices(120, 240)), data.shape);
    const epochs: number[] = [];
    const trained = await trainClassifier({
      config: { architecture: 'mlp', epochs: 4, batchSize: 32, learningRate: 1e-3 },
      inputShape: data.shape,
      numClasses: 10,
      seed: 1,
      train,
      test,
      name: 'test model',
      onEpoch: (m) => epochs.push(m.epoch),
    });
    expect(epochs).toEqual([1, 2, 3, 4]);
    const last = trained.history[3];
    expect(last.trainAccuracy).toBeGreaterThan(0.9);
    expect(last.trainLoss).toBeLessThan(trained.history[0].trainLoss);
    const predictions = await predict(trained.model, test, 10);
    expect(predictions.probabilities).toHaveLength(120 * 10);
    trained.model.dispose();
    disposePart(train);
    disposePart(test);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains a convolutional model for a step on 32×32×3 inputs', async () => {
    const rgb = makeSyntheticDataset(8, [32, 32, 3]);
    const part = uploadPart(gatherImages(rgb, indices(0, 8)), rgb.shape);
    const trained = await trainClassifier({
      config: { architecture: 'cnn', epochs: 1, batchSize: 8, learningRate: 1e-3 },
      inputShape: rgb.shape,
      numClasses: 10,
      seed: 1,
      train: part,
      test: part,
      name: 'resnet',
    });
    expect(Number.isFinite(trained.history[0].trainLoss)).toBe(true);
    trained.model.dispose();
    disposePart(part);
  });

  it('stops with a TrainingError naming the epoch when the loss is NaN, disposing everything', async () => {
    const before = tf.memory().numTensors;
    const broken = { x: tf.fill([20, 28, 28, 1], NaN) as tf.Tensor4D, y: tf.zeros([20], 'int32') as tf.Tensor1D, labels: new Uint8Array(20), count: 20 };
    const run = trainClassifier({
      config: { architecture: 'mlp', epochs: 3, batchSize: 10, learningRate: 1e-3 },
      inputShape: [28, 28, 1],
      numClasses: 10,
      seed: 1,
      train: broken,
      test: broken,
      name: 'target model',
    });
    await expect(run).rejects.toThrow(TrainingError);
    await expect(run).rejects.toThrow(/target model's training loss became NaN at epoch 1/);
    disposePart(broken);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops at the next batch when cancelled, disposing everything', async () => {
    const before = tf.memory().numTensors;
    const part = uploadPart(gatherImages(data, indices(0, 120)), data.shape);
    const signal = { aborted: false };
    const run = trainClassifier({
      config: { architecture: 'mlp', epochs: 50, batchSize: 8, learningRate: 1e-3 },
      inputShape: data.shape,
      numClasses: 10,
      seed: 1,
      train: part,
      test: part,
      name: 'target model',
      signal,
      onEpoch: () => {
        signal.aborted = true;
      },
    });
    await expect(run).rejects.toThrow(CancelledError);
    disposePart(part);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('waits at the gate before every epoch, so a paused run makes no progress', async () => {
    const part = uploadPart(gatherImages(data, indices(0, 40)), data.shape);
    let open: () => void = () => {};
    let calls = 0;
    const epochsSeen: number[] = [];
    const run = trainClassifier({
      config: { architecture: 'mlp', epochs: 2, batchSize: 20, learningRate: 1e-3 },
      inputShape: data.shape,
      numClasses: 10,
      seed: 1,
      train: part,
      test: part,
      name: 'gated model',
      onEpoch: (m) => epochsSeen.push(m.epoch),
      gate: () => {
        calls++;
        return new Promise<void>((resolve) => (open = resolve));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(1);
    expect(epochsSeen).toEqual([]);
    open();
    while (calls < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(epochsSeen).toEqual([1]);
    open();
    const trained = await run;
    expect(calls).toBe(2);
    expect(epochsSeen).toEqual([1, 2]);
    trained.model.dispose();
    disposePart(part);
  });
});
