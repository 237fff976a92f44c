import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, presetConfig } from '../src/core/config';
import { cacheKey, canonicalJson, configHash, fingerprintBytes, hashBytes, hashText } from '../src/core/hash';
import { runKey, getSuite } from '../src/core/suites/suites';
import { datasetCacheKey } from '../src/shared/storage/db';

describe('the one content hash', () => {
  it('ignores key order but not values', () => {
    const reverse = (o: object) => Object.fromEntries(Object.entries(o).reverse());
    const shuffled = { ...reverse(DEFAULT_CONFIG), target: reverse(DEFAULT_CONFIG.target) };
    expect(Object.keys(shuffled.target)[0]).not.toBe(Object.keys(DEFAULT_CONFIG.target)[0]);
    expect(canonicalJson(shuffled)).toBe(canonicalJson(DEFAULT_CONFIG));
    expect(configHash(shuffled as typeof DEFAULT_CONFIG)).toBe(configHash(DEFAULT_CONFIG));
    expect(configHash({ ...DEFAULT_CONFIG, seed: 1 })).not.toBe(configHash(DEFAULT_CONFIG));
    expect(configHash(presetConfig('standard'))).not.toBe(configHash(DEFAULT_CONFIG));
  });

  it('keeps array order (attack order is part of the experiment), writes typed arrays as lists and drops undefined fields', () => {
    expect(canonicalJson({ b: undefined, a: [2, 1], c: { z: 1, y: null } })).toBe('{"a":[2,1],"c":{"y":null,"z":1}}');
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson(Uint8Array.from([1, 0, 1]))).toBe('[1,0,1]');
  });

  it('is cyrb53: published values, 14 hex digits', () => {
    // Independent oracle: the values bryc's README gives for his reference cyrb53 (seed 0).
    const hex = (n: number) => n.toString(16).padStart(14, '0');
    expect(hashText('a')).toBe(hex(7929297801672961));
    expect(hashText('revenge')).toBe(hex(4051478007546757));
    expect(hashText('revenue')).toBe(hex(8309097637345594));
    expect(hashText('mia')).not.toBe(hashText('mib'));
    expect(hashBytes(Uint8Array.from([0x6d, 0x69, 0x61]))).toBe(hashText('mia'));
  });

  it('gives a config, its cache key and its suite run one and the same key', () => {
    const run = getSuite('gap').runs('quick')[0];
    expect(runKey(run)).toBe(configHash(run.config));
    expect(cacheKey(run.config)).toBe(configHash(run.config));
    expect(configHash(DEFAULT_CONFIG)).toMatch(/^[0-9a-f]{14}$/);
  });

  it('fingerprints files by name and every byte', () => {
    const a = [{ name: 'x.bin', bytes: new Uint8Array([1, 2, 3]) }];
    expect(fingerprintBytes(a)).toBe(fingerprintBytes([{ name: 'x.bin', bytes: new Uint8Array([1, 2, 3]) }]));
    expect(fingerprintBytes(a)).not.toBe(fingerprintBytes([{ name: 'x.bin', bytes: new Uint8Array([1, 2, 4]) }]));
    expect(fingerprintBytes(a)).not.toBe(fingerprintBytes([{ name: 'y.bin', bytes: new Uint8Array([1, 2, 3]) }]));
  });

  it('caches built-in datasets by name and user files by their names and label choice', () => {
    expect(datasetCacheKey({ name: 'mnist' })).toBe('builtin:mnist');
    const custom = datasetCacheKey({ name: 'custom', files: ['train.bin', 'test.bin'] });
    expect(custom).toBe(datasetCacheKey({ name: 'custom', files: ['train.bin', 'test.bin'], cifar100Labels: 'fine' }));
    expect(custom).not.toBe(datasetCacheKey({ name: 'custom', files: ['train.bin', 'test.bin'], cifar100Labels: 'coarse' }));
  });
});
