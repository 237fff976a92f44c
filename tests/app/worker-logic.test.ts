import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/schema';
import { DatasetError } from '../../src/core/datasets/types';
import { parseExperimentConfig } from '../../src/core/config';
import { configHasConvolutions } from '../../src/core/models/catalog';
import { planBackends } from '../../workers/backend-order';
import { filesTransferables, resultTransferables, serializeError } from '../../workers/protocol';
import { isPacked, packResult, unpackResult } from '../../src/shared/packed-result';
import { TINY_CONFIG, fakeResult } from './fixtures';

const CNN = parseExperimentConfig({ target: { architecture: 'cnn' } });

describe('backend plan', () => {
  it('tries WebGPU, webgl, wasm, cpu in that order on auto', () => {
    expect(planBackends('auto')).toEqual({ candidates: ['webgpu', 'webgl', 'wasm', 'cpu'], notices: [] });
  });

  it('puts the chosen backend first and keeps the rest as fallbacks', () => {
    expect(planBackends('cpu').candidates).toEqual(['cpu', 'webgpu', 'webgl', 'wasm']);
  });

  it('keeps wasm for convolutional models too (the worker registers the lab\'s gradient kernels)', () => {
    expect(planBackends('wasm').candidates[0]).toBe('wasm');
    expect(configHasConvolutions(CNN)).toBe(true);
  });

  it('has one convolution rule for the browser and Node: target, shadows or reference models', () => {
    expect(configHasConvolutions(parseExperimentConfig({}))).toBe(false);
    expect(configHasConvolutions(parseExperimentConfig({ shadow: { architecture: 'alexnet' } }))).toBe(true);
    expect(configHasConvolutions(parseExperimentConfig({ reference: { architecture: 'resnet' } }))).toBe(true);
  });

  it('skips a backend that broke earlier (a lost WebGPU device)', () => {
    const plan = planBackends('webgpu', new Set(['webgpu']));
    expect(plan.candidates).toEqual(['webgl', 'wasm', 'cpu']);
    expect(plan.notices[0]).toMatch(/webgpu failed earlier/);
  });
});

describe('worker protocol', () => {
  it('flattens errors with their problems and file names', () => {
    expect(serializeError(new ConfigError(['config.seed: bad']))).toEqual({
      name: 'ConfigError',
      message: 'invalid config:\n  - config.seed: bad',
      problems: ['config.seed: bad'],
    });
    expect(serializeError(new DatasetError('a.bin', 'is short'))).toMatchObject({ name: 'DatasetError', fileName: 'a.bin', message: 'a.bin: is short' });
    expect(serializeError('plain')).toEqual({ name: 'Error', message: 'plain' });
  });

  it('transfers every distinct buffer of a result once, each attack ROC packed into one', () => {
    const result = fakeResult();
    const buffers = resultTransferables(packResult(result));
    expect(buffers).toHaveLength(5 + result.attacks.length);
    expect(new Set(buffers).size).toBe(5 + result.attacks.length);
    const shared = new Uint8Array(8);
    expect(filesTransferables([{ name: 'a', bytes: shared.subarray(0, 4) }, { name: 'b', bytes: shared.subarray(4) }])).toHaveLength(1);
    expect(filesTransferables(undefined)).toEqual([]);
  });

  it('unpacks a packed result to the result it was', () => {
    const result = fakeResult();
    const packed = packResult(result);
    expect(packed.attacks[0].roc).toBeInstanceOf(Float64Array);
    expect(packed.attacks[0].roc).toHaveLength(2 * result.attacks[0].roc.length);
    expect(unpackResult(packed)).toEqual(result);
  });

  it('tells a packed result (stored since packing) from one stored with pairs', () => {
    const result = fakeResult();
    expect(result.attacks.length).toBeGreaterThan(0);
    expect(isPacked(packResult(result))).toBe(true);
    expect(isPacked(result)).toBe(false);
  });
});
