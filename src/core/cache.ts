/**
 * A cache for long computations (trained reference models' outputs), keyed by a hash of everything
 * that produced them. The core only encodes and checks entries; where the bytes live is the
 * platform's business (files in Node, IndexedDB in the browser). An entry that fails its checks is
 * reported as absent, so a corrupt cache makes the engine recompute, never trust bad numbers.
 */

export interface BlobCache {
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, bytes: Uint8Array): Promise<void>;
}

/** Keys come from the lab's one content hash. */
export { cacheKey } from './hash';

const MAGIC = 0x4d494143; // "MIAC"
const FORMAT = 1;

/** FNV-1a over bytes (Fowler–Noll–Vo): enough to catch truncation and bit rot, not an adversary. */
export function checksum(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}

/**
 * Layout (little-endian u32): magic, format, key length, array count, each array's length, then
 * the key's UTF-16 code units (u16), padding to 4 bytes, the float32 arrays, and a checksum of all
 * that precedes it.
 */
export function encodeEntry(key: string, arrays: readonly Float32Array[]): Uint8Array {
  const headerWords = 4 + arrays.length;
  const keyBytes = Math.ceil((key.length * 2) / 4) * 4;
  const dataBytes = arrays.reduce((n, a) => n + a.length * 4, 0);
  const buffer = new ArrayBuffer(headerWords * 4 + keyBytes + dataBytes + 4);
  const view = new DataView(buffer);
  [MAGIC, FORMAT, key.length, arrays.length, ...arrays.map((a) => a.length)].forEach((word, i) => view.setUint32(i * 4, word, true));
  let at = headerWords * 4;
  for (let i = 0; i < key.length; i++) view.setUint16(at + i * 2, key.charCodeAt(i), true);
  at += keyBytes;
  for (const array of arrays) {
    for (let i = 0; i < array.length; i++) view.setFloat32(at + i * 4, array[i], true);
    at += array.length * 4;
  }
  view.setUint32(at, checksum(new Uint8Array(buffer, 0, at)), true);
  return new Uint8Array(buffer);
}

/**
 * Entries already checked and decoded, by the very bytes object: a memory layer (memory-cache.ts)
 * hands back the same bytes on every hit, so a re-run reads them without a second checksum or copy.
 */
const decoded = new WeakMap<Uint8Array, { readonly key: string; readonly arrays: Float32Array[] }>();

/**
 * The arrays of an entry, or undefined when it is not a complete, intact entry for `key`. The
 * arrays of one bytes object are decoded once and shared by every caller: read them, never write.
 */
export function decodeEntry(key: string, bytes: Uint8Array): Float32Array[] | undefined {
  const known = decoded.get(bytes);
  if (known && known.key === key) return known.arrays;
  const arrays = decodeUnseen(key, bytes);
  if (arrays) decoded.set(bytes, { key, arrays });
  return arrays;
}

function decodeUnseen(key: string, bytes: Uint8Array): Float32Array[] | undefined {
  if (bytes.length < 20 || bytes.length % 4 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== FORMAT) return undefined;
  const keyLength = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  if (keyLength !== key.length || 16 + count * 4 > bytes.length) return undefined;
  const lengths = Array.from({ length: count }, (_, i) => view.getUint32(16 + i * 4, true));
  let at = 16 + count * 4;
  const keyBytes = Math.ceil((keyLength * 2) / 4) * 4;
  const end = at + keyBytes + lengths.reduce((n, l) => n + l * 4, 0);
  if (end + 4 !== bytes.length) return undefined;
  if (view.getUint32(end, true) !== checksum(bytes.subarray(0, end))) return undefined;
  for (let i = 0; i < keyLength; i++) if (view.getUint16(at + i * 2, true) !== key.charCodeAt(i)) return undefined;
  at += keyBytes;
  return lengths.map((length) => {
    const array = new Float32Array(length);
    for (let i = 0; i < length; i++) array[i] = view.getFloat32(at + i * 4, true);
    at += length * 4;
    return array;
  });
}
