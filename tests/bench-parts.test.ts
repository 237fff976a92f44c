/**
 * The bench's PyTorch peer trains on the records MIA Lab trains on: the parts file bench/e2e.ts
 * writes, read back by its documented layout, holds the target's members and non-members in the
 * order a whole run evaluates them, and the first shadow's train and test records.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParts } from '../bench/e2e';
import { parseExperimentConfig } from '../src/core/config';
import { splitPool } from '../src/core/datasets/split';
import { runExperiment } from '../src/core/experiment';
import type { PipelineData } from '../src/core/pipeline/data';
import { shadowRecords } from '../src/core/pipeline/train-shadows';
import { makeSyntheticDataset } from './fixtures';

const dataset = makeSyntheticDataset(200);
const config = parseExperimentConfig({ seed: 3, partSize: 30, target: { epochs: 1, batchSize: 16 }, attacks: ['loss'] });
const IMAGE = 28 * 28;

interface Part {
  images: Uint8Array;
  labels: Uint8Array;
}

/** The layout bench/torch_experiment.py reads: uint32 LE header length, JSON header, bytes. */
function readParts(bytes: Uint8Array): Record<string, Part> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as {
    shape: number[];
    parts: Record<string, { count: number; images: number; labels: number }>;
  };
  expect(header.shape).toEqual([28, 28, 1]);
  const body = bytes.subarray(4 + length);
  const parts: Record<string, Part> = {};
  for (const [name, part] of Object.entries(header.parts)) {
    parts[name] = { images: body.subarray(part.images, part.images + part.count * IMAGE), labels: body.subarray(part.labels, part.labels + part.count) };
  }
  return parts;
}

/** The pool's images and labels at `indices`, by hand. */
function expected(indices: ArrayLike<number>): Part {
  const images = new Uint8Array(indices.length * IMAGE);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    for (let p = 0; p < IMAGE; p++) images[i * IMAGE + p] = dataset.images[indices[i] * IMAGE + p];
    labels[i] = dataset.labels[indices[i]];
  }
  return { images, labels };
}

describe('bench e2e parts file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mia-bench-parts-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the members and non-members a run evaluates, in its order, and the first shadow\'s records', async () => {
    const result = await runExperiment(config, { loadDataset: async () => dataset });
    const path = join(dir, 'parts.bin');
    expect(await writeParts(dataset, config, path)).toBe(30);
    const parts = readParts(new Uint8Array(await readFile(path)));
    expect(Object.keys(parts)).toEqual(['targetTrain', 'targetTest', 'shadowTrain', 'shadowTest']);

    const { poolIndex, member } = result.records;
    const members = poolIndex.filter((_, i) => member[i] === 1);
    const nonMembers = poolIndex.filter((_, i) => member[i] === 0);
    expect(members.length).toBe(30);
    expect(parts.targetTrain).toEqual(expected(members));
    expect(parts.targetTest).toEqual(expected(nonMembers));

    // Shadow 0's records as the train-shadow stage picks them.
    const shadowSplit = splitPool(dataset.count, config.partSize, config.seed);
    const [shadow] = shadowRecords(config, { shadowSplit } as unknown as PipelineData);
    expect(parts.shadowTrain).toEqual(expected(shadow.train));
    expect(parts.shadowTest).toEqual(expected(shadow.test));
    const all = new Set([...members, ...nonMembers, ...shadow.train, ...shadow.test]);
    expect(all.size).toBe(120);
  });

  it('refuses an experiment with more than one shadow (the PyTorch script trains one)', async () => {
    const many = parseExperimentConfig({ ...config, shadow: { count: 2 } });
    await expect(writeParts(dataset, many, join(dir, 'many.bin'))).rejects.toThrow(/exactly one shadow/);
  });
});
