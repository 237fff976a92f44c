import { describe, expect, it } from 'vitest';
import { cacheKey, decodeEntry, encodeEntry } from '../src/core/cache';

describe('cache entries', () => {
  const key = cacheKey({ b: 2, a: [1, 2, 3] });
  const arrays = [Float32Array.from([1.5, -2, 3e-8]), Float32Array.from([]), Float32Array.from([42])];

  it('round-trips arrays under their key', () => {
    expect(decodeEntry(key, encodeEntry(key, arrays))).toEqual(arrays);
  });

  it('keys by content, whatever the order of object fields', () => {
    expect(cacheKey({ a: [1, 2, 3], b: 2 })).toBe(key);
    expect(cacheKey({ a: [1, 2, 4], b: 2 })).not.toBe(key);
    expect(key).toMatch(/^[0-9a-f]{14}$/);
  });

  it('refuses a truncated, extended, bit-flipped or foreign entry', () => {
    const bytes = encodeEntry(key, arrays);
    expect(decodeEntry(key, bytes.slice(0, bytes.length - 4))).toBeUndefined();
    const extended = new Uint8Array(bytes.length + 4);
    extended.set(bytes);
    expect(decodeEntry(key, extended)).toBeUndefined();
    for (const at of [0, 20, bytes.length - 10, bytes.length - 1]) {
      const flipped = bytes.slice();
      flipped[at] ^= 0x10;
      expect(decodeEntry(key, flipped), `byte ${at}`).toBeUndefined();
    }
    expect(decodeEntry(cacheKey('another'), bytes)).toBeUndefined();
    expect(decodeEntry(key, new Uint8Array(3))).toBeUndefined();
  });
});
