/**
 * A run's parts are uploaded on first use (RunContext.upload → lazyPart): a stage served by the
 * cache makes no tensor, a tensor first read inside tf.tidy outlives the scope, and disposing the
 * part releases exactly what was made.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../src/core/config';
import { RunContext } from '../src/core/pipeline/context';
import { makeSyntheticDataset } from './fixtures';

const dataset = makeSyntheticDataset(20);
const ctx = () => new RunContext(parseExperimentConfig({}), { loadDataset: async () => dataset });

describe('RunContext.upload', () => {
  it('makes no tensor until the part is read, and gives the labels at once', () => {
    const before = tf.memory().numTensors;
    const run = ctx();
    const part = run.upload(dataset, [3, 1, 4]);
    expect(Array.from(part.labels)).toEqual([3, 1, 4].map((i) => dataset.labels[i]));
    expect(part.count).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uploads the gathered pixels on first read, keeps them past a tidy, and disposes them with the run', () => {
    const before = tf.memory().numTensors;
    const run = ctx();
    const part = run.upload(dataset, [2, 0]);
    const sum = tf.tidy(() => part.x.sum().arraySync() as number);
    expect(tf.memory().numTensors).toBe(before + 2);
    const [height, width, channels] = dataset.shape;
    const size = height * width * channels;
    const expected = [2, 0].reduce((total, r) => total + dataset.images.subarray(r * size, (r + 1) * size).reduce((a, b) => a + b / 255, 0), 0);
    expect(sum).toBeCloseTo(expected, 3);
    expect(Array.from(part.y.dataSync())).toEqual([2, 0].map((i) => dataset.labels[i]));
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
