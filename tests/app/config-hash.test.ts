import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, presetConfig } from '../../src/core/config';
import { canonicalJson, configHash, datasetCacheKey, fingerprintBytes, hashString } from '../../src/app/state/config-hash';

describe('config hash', () => {
  it('ignores key order but not values', () => {
    const reverse = (o: object) => Object.fromEntries(Object.entries(o).reverse());
    const shuffled = { ...reverse(DEFAULT_CONFIG), target: reverse(DEFAULT_CONFIG.target) };
    expect(Object.keys(shuffled.target)[0]).not.toBe(Object.keys(DEFAULT_CONFIG.target)[0]);
    expect(canonicalJson(shuffled)).toBe(canonicalJson(DEFAULT_CONFIG));
    expect(configHash(shuffled as typeof DEFAULT_CONFIG)).toBe(configHash(DEFAULT_CONFIG));
    expect(configHash({ ...DEFAULT_CONFIG, seed: 1 })).not.toBe(configHash(DEFAULT_CONFIG));
    expect(configHash(presetConfig('standard'))).not.toBe(configHash(DEFAULT_CONFIG));
  });

  it('keeps array order (attack order is part of the experiment) and drops undefined fields', () => {
    expect(canonicalJson({ a: [2, 1], b: undefined })).toBe('{"a":[2,1]}');
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });

  it('is a stable 14-hex-digit string', () => {
    expect(hashString('')).toMatch(/^[0-9a-f]{14}$/);
    expect(hashString('mia')).toBe(hashString('mia'));
    expect(hashString('mia')).not.toBe(hashString('mib'));
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
