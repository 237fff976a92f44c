/** The reference stage's inputs as a shard derives them without the stages before it (pipeline/train-references.ts). */
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/core/config';
import { splitPool } from '../../src/core/datasets/split';
import { referenceRecords } from '../../src/core/pipeline/train-references';

describe('referenceRecords', () => {
  it('is the target\'s evaluation records and the head of the shadow parts, without early stopping or output defenses', () => {
    const config = parseExperimentConfig({
      seed: 9,
      partSize: 10,
      rmia: { populationSize: 15 },
      defenses: { 'early-stopping': {}, l2: { lambda: 0.01 }, 'top-k': { k: 3 } },
    });
    const split = splitPool(100, 10, 9);
    const records = referenceRecords(config, { name: 'mnist', count: 100 });
    expect(Array.from(records.poolIndex)).toEqual([...split.targetTrain, ...split.targetTest]);
    expect(Array.from(records.populationIndex)).toEqual([...split.shadowTrain, ...split.shadowTest].slice(0, 15));
    expect(Object.keys(records.defenses)).toEqual(['l2']);
    expect(records.identity).toEqual({ dataset: { name: 'mnist' }, datasetName: 'mnist', poolSize: 100, partSize: 10, splitSeed: 9 });
  });
});
