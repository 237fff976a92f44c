/**
 * A stage's cache record: metadata (JSON) and float32 arrays in one checksummed entry. Decoding
 * the same bytes again (the worker's memory layer hands out the same ones) gives the very record
 * decoded before, and never under another key; damaged bytes give nothing.
 */
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, stageKey } from '../src/core/pipeline/stage-cache';

const key = stageKey('train-target', { seed: 1 });
const record = { meta: { history: [{ epoch: 1, trainLoss: 0.5 }], note: 'é ∞' }, arrays: [Float32Array.from([1, 2, 3]), Float32Array.from([-0.5])] };

describe('stage records', () => {
  it('round-trip their metadata and arrays', () => {
    const decoded = decodeRecord(key, encodeRecord(key, record));
    expect(decoded?.meta).toEqual(record.meta);
    expect(decoded?.arrays.map((a) => Array.from(a))).toEqual([[1, 2, 3], [-0.5]]);
  });

  it('decode the same bytes once, and refuse them under another key or damaged', () => {
    const bytes = encodeRecord(key, record);
    const first = decodeRecord(key, bytes);
    expect(decodeRecord(key, bytes)).toBe(first);
    expect(decodeRecord(stageKey('train-target', { seed: 2 }), bytes)).toBeUndefined();
    const damaged = bytes.slice();
    damaged[damaged.length - 10] ^= 0xff;
    expect(decodeRecord(key, damaged)).toBeUndefined();
  });
});
