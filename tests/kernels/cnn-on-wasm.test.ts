/** The project's CNN trains on wasm once the kernels are registered, as it does on cpu. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherImages } from '../../src/core/datasets/split';
import { registerWasmKernels } from '../../src/core/kernels/wasm-kernels';
import { ARCHITECTURES } from '../../src/core/models/architectures';
import { disposePart, uploadPart } from '../../src/core/models/predict';
import { trainClassifier } from '../../src/core/models/train';
import { makeSyntheticDataset } from '../fixtures';

const data = makeSyntheticDataset(160);
const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);

beforeAll(() => {
  registerWasmKernels();
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** The CNN's weights after two Adam steps on the first 8 images. */
async function weightsAfterTwoSteps(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const model = ARCHITECTURES.cnn.build(data.shape, 10, 5);
  const optimizer = tf.train.adam(1e-3);
  const part = uploadPart(gatherImages(data, range(0, 8)), data.shape);
  const targets = tf.oneHot(part.y, 10);
  for (let step = 0; step < 2; step++) {
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(targets, model.apply(part.x, { training: true }) as tf.Tensor) as tf.Scalar);
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  targets.dispose();
  model.dispose();
  optimizer.dispose();
  disposePart(part);
  return weights;
}

describe('the cnn architecture on wasm', () => {
  it('takes the same Adam steps as on cpu', async () => {
    const cpu = await weightsAfterTwoSteps('cpu');
    const wasm = await weightsAfterTwoSteps('wasm');
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((expected, i) => {
      let worst = 0;
      for (let j = 0; j < expected.length; j++) worst = Math.max(worst, Math.abs(wasm[i][j] - expected[j]));
      expect(worst).toBeLessThan(1e-5);
    });
  });

  it('trains with a falling loss and leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const train = uploadPart(gatherImages(data, range(0, 96)), data.shape);
    const test = uploadPart(gatherImages(data, range(96, 160)), data.shape);
    const { model, history } = await trainClassifier({
      config: { architecture: 'cnn', epochs: 4, batchSize: 32, learningRate: 1e-3 },
      inputShape: data.shape,
      numClasses: 10,
      seed: 3,
      train,
      test,
      name: 'cnn on wasm',
    });
    expect(tf.getBackend()).toBe('wasm');
    expect(history).toHaveLength(4);
    expect(history[3].trainLoss).toBeLessThan(history[0].trainLoss);
    expect(history.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
    model.dispose();
    disposePart(train);
    disposePart(test);
    expect(tf.memory().numTensors).toBe(before);
  });
});
