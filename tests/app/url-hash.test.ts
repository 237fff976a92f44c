import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, PRESETS, parseExperimentConfig, presetConfig } from '../../src/core/config';
import { configToHash, hashToConfig } from '../../src/app/state/url-hash';

describe('the config in the URL hash', () => {
  it.each(Object.keys(PRESETS))('round-trips the %s preset exactly', (name) => {
    const config = presetConfig(name);
    const parsed = hashToConfig(configToHash(config));
    expect(parsed).toEqual({ kind: 'config', config });
  });

  it('round-trips a custom dataset whose file names hold commas and spaces, and the backend choice', () => {
    const config = parseExperimentConfig({ dataset: { name: 'custom', files: ['a,b images.bin', 'test_batch.bin'] }, partSize: 50 });
    const hash = configToHash(config, 'webgpu');
    expect(hashToConfig(hash)).toEqual({ kind: 'config', config, backend: 'webgpu' });
  });

  it('is readable: one path=value pair per field', () => {
    const hash = configToHash({ ...DEFAULT_CONFIG, seed: 7 });
    expect(hash.startsWith('#')).toBe(true);
    expect(hash).toContain('seed=7');
    expect(hash).toContain('target.epochs=30');
    expect(hash).toContain('dataset.name=mnist');
  });

  it('fills fields a hand-written link leaves out from the defaults', () => {
    const parsed = hashToConfig('#seed=5&target.epochs=3');
    expect(parsed.kind).toBe('config');
    if (parsed.kind !== 'config') return;
    expect(parsed.config.seed).toBe(5);
    expect(parsed.config.target.epochs).toBe(3);
    expect(parsed.config.partSize).toBe(DEFAULT_CONFIG.partSize);
  });

  it('refuses a bad link whole, naming each bad field', () => {
    const parsed = hashToConfig('#seed=-1&target.epochs=abc&nonsense=1');
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind !== 'invalid') return;
    expect(parsed.problems.join('\n')).toMatch(/nonsense/);
  });

  it('names out-of-range values', () => {
    const parsed = hashToConfig('#seed=-1&target.epochs=abc');
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind !== 'invalid') return;
    const text = parsed.problems.join('\n');
    expect(text).toMatch(/config\.seed/);
    expect(text).toMatch(/config\.target\.epochs/);
  });

  it('refuses prototype keys and unknown backends', () => {
    expect(hashToConfig('#__proto__.polluted=1').kind).toBe('invalid');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const parsed = hashToConfig('#backend=quantum');
    expect(parsed.kind).toBe('invalid');
  });

  it('treats an empty hash as "no experiment in the link"', () => {
    expect(hashToConfig('')).toEqual({ kind: 'empty' });
    expect(hashToConfig('#backend=wasm')).toEqual({ kind: 'empty', backend: 'wasm' });
  });
});
