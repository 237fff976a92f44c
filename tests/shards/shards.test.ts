/** Shard arithmetic, the schedulers' environment contract and the merge's coverage checks (core/shards.ts). */
import { describe, expect, it } from 'vitest';
import {
  ShardError,
  checkShardCoverage,
  parseShardManifest,
  resolveShard,
  shardModels,
  type FoundShard,
  type Shard,
} from '../../src/core/shards';

describe('shardModels', () => {
  it('deals models round-robin: every model in exactly one shard, by index', () => {
    expect(shardModels({ index: 0, count: 4 }, 10)).toEqual([0, 4, 8]);
    expect(shardModels({ index: 3, count: 4 }, 10)).toEqual([3, 7]);
    expect(shardModels({ index: 2, count: 4 }, 2)).toEqual([]);
    const all = [0, 1, 2].flatMap((index) => shardModels({ index, count: 3 }, 256)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });
});

describe('resolveShard: --shard I/N, or N with the index from the environment', () => {
  it('reads I/N from the flag', () => {
    expect(resolveShard('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(resolveShard('0/1', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 0, count: 1 });
  });

  it('takes the index from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)', () => {
    expect(resolveShard('8', { JOB_COMPLETION_INDEX: '5' })).toEqual({ index: 5, count: 8 });
  });

  it('takes the index from SLURM_ARRAY_TASK_ID (Slurm arrays)', () => {
    expect(resolveShard('8', { SLURM_ARRAY_TASK_ID: '7' })).toEqual({ index: 7, count: 8 });
  });

  it('takes the index from the variable --shard-index-env names, and only from it', () => {
    expect(resolveShard('8', { MY_TASK: '1', JOB_COMPLETION_INDEX: '6' }, 'MY_TASK')).toEqual({ index: 1, count: 8 });
    expect(() => resolveShard('8', { JOB_COMPLETION_INDEX: '6' }, 'MY_TASK')).toThrow(/MY_TASK is not set/);
  });

  it('refuses a missing index, naming the variables it looked for', () => {
    expect(() => resolveShard('4', {})).toThrow(ShardError);
    expect(() => resolveShard('4', { JOB_COMPLETION_INDEX: '' })).toThrow(/JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID is not set/);
  });

  it('refuses an out-of-range index, from the flag or the environment', () => {
    expect(() => resolveShard('4/4', {})).toThrow(/shard index 4 is out of range for 4 shards \(0 to 3\)/);
    expect(() => resolveShard('4', { SLURM_ARRAY_TASK_ID: '4' })).toThrow(/SLURM_ARRAY_TASK_ID=4: shard index 4 is out of range/);
    expect(() => resolveShard('4', { JOB_COMPLETION_INDEX: '-1' })).toThrow(/JOB_COMPLETION_INDEX="-1": a shard index must be a non-negative integer/);
  });

  it('refuses malformed specs and an index given twice', () => {
    for (const bad of ['', '0/0', 'a/4', '1/2/3', '-1/4', '1.5/4']) expect(() => resolveShard(bad, {})).toThrow(/--shard: expected I\/N/);
    expect(() => resolveShard('1/4', {}, 'MY_TASK')).toThrow(/not both/);
  });
});

const manifest = (shard: Shard, models: readonly number[], configHash = 'abc', referenceCount = 8) => ({
  format: 'mia-lab-reference-shard' as const,
  version: 1 as const,
  tool: { name: 'mia-lab', version: '0.1.0' },
  configHash,
  shard,
  referenceCount,
  models: models.map((index) => ({ index, key: `k${index}`, file: `k${index}.bin`, bytes: 4, sha256: 'x' })),
  createdAt: '2026-01-01T00:00:00Z',
});
const found = (where: string, shard: Shard, configHash = 'abc', referenceCount = 8): FoundShard => ({
  where,
  manifest: manifest(shard, shardModels(shard, referenceCount), configHash, referenceCount),
});

describe('checkShardCoverage', () => {
  const four = [0, 1, 2, 3].map((i) => found(`s${i}/shard-${i}-of-4.json`, { index: i, count: 4 }));

  it('accepts shards that cover every model once, in any order', () => {
    expect(() => checkShardCoverage([...four].reverse(), 'abc', 8)).not.toThrow();
  });

  it('refuses a missing shard, naming it and its models', () => {
    expect(() => checkShardCoverage(four.slice(0, 3), 'abc', 8)).toThrow(/missing shard 3\/4 \(reference models 3, 7 are in no shard\)/);
  });

  it('refuses a duplicated shard, naming both copies', () => {
    const twin = found('elsewhere/shard-1-of-4.json', { index: 1, count: 4 });
    expect(() => checkShardCoverage([...four, twin], 'abc', 8)).toThrow(/shard 1\/4 is duplicated: s1\/shard-1-of-4.json and elsewhere\/shard-1-of-4.json/);
  });

  it('refuses a foreign shard (another config, or another number of models)', () => {
    const foreign = found('other/shard-2-of-4.json', { index: 2, count: 4 }, 'def');
    expect(() => checkShardCoverage([four[0], four[1], foreign, four[3]], 'abc', 8)).toThrow(/other\/shard-2-of-4.json \(shard 2\/4\) is foreign: made for config def/);
    const more = found('more/shard-2-of-4.json', { index: 2, count: 4 }, 'abc', 16);
    expect(() => checkShardCoverage([four[0], four[1], more, four[3]], 'abc', 8)).toThrow(/is foreign: made for 16 reference models, not 8/);
  });

  it('refuses shards of different splits and a manifest that lists the wrong models', () => {
    expect(() => checkShardCoverage([...four, found('s/shard-0-of-2.json', { index: 0, count: 2 })], 'abc', 8)).toThrow(/different splits/);
    const wrong = { where: 'w/shard-0-of-4.json', manifest: manifest({ index: 0, count: 4 }, [0]) };
    expect(() => checkShardCoverage([wrong, ...four.slice(1)], 'abc', 8)).toThrow(/lists models 0, not 0, 4/);
  });

  it('refuses an empty list', () => {
    expect(() => checkShardCoverage([], 'abc', 8)).toThrow(/no shard manifests/);
  });
});

describe('parseShardManifest', () => {
  it('reads back what a shard writes and refuses what is not a manifest of this version', () => {
    const good = manifest({ index: 1, count: 2 }, [1, 3]);
    expect(parseShardManifest(JSON.parse(JSON.stringify(good)), 'm.json')).toEqual(good);
    expect(() => parseShardManifest({ hello: 1 }, 'm.json')).toThrow(/m.json: not a MIA Lab reference shard manifest/);
    expect(() => parseShardManifest({ ...good, version: 2 }, 'm.json')).toThrow(/manifest version 2/);
    expect(() => parseShardManifest({ ...good, shard: { index: 2, count: 2 } }, 'm.json')).toThrow(/index < count/);
    const escaping = { ...good, models: [{ ...good.models[0], file: '../../etc/passwd' }] };
    expect(() => parseShardManifest(escaping, 'm.json')).toThrow(/plain file name/);
  });
});
