/**
 * The lab's one content hash: config hashes (results in IndexedDB, trained weights, suite runs)
 * and cache keys (reference models' outputs) are all `hashText(canonicalJson(value))`, so two
 * equal values share a key whatever order their fields were written in. Not cryptographic.
 * (Seeding the random generators is another job, with its own mixer: random.ts.)
 */
import type { ExperimentConfig } from './config';

/**
 * JSON with object keys sorted at every level and undefined fields dropped. Arrays and typed
 * arrays keep their order (attack order is part of the experiment; a membership mask is a list).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return `[${Array.from(value as ArrayLike<unknown>, canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * cyrb53 (bryc's public-domain 53-bit hash): two 32-bit multiply-xorshift lanes over UTF-16 code
 * units or bytes, mixed at the end. 53 bits make a collision among one person's runs impractical;
 * fast and synchronous, so the page and the worker compute keys without awaiting.
 */
const SEED_1 = 0xdeadbeef;
const SEED_2 = 0x41c6ce57;

function finishCyrb53(h1: number, h2: number): string {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** A 14-hex-digit hash of a string (cyrb53 over its UTF-16 code units). */
export function hashText(text: string, seed = 0): string {
  let h1 = SEED_1 ^ seed;
  let h2 = SEED_2 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ unit, 2654435761);
    h2 = Math.imul(h2 ^ unit, 1597334677);
  }
  return finishCyrb53(h1, h2);
}

/** A 14-hex-digit hash of bytes (the same cyrb53, one byte per step: a loop kept apart for speed). */
export function hashBytes(bytes: Uint8Array, seed = 0): string {
  let h1 = SEED_1 ^ seed;
  let h2 = SEED_2 ^ seed;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 2654435761);
    h2 = Math.imul(h2 ^ bytes[i], 1597334677);
  }
  return finishCyrb53(h1, h2);
}

/** The key of any JSON-serialisable value (typed arrays included): its canonical JSON, hashed. */
export function cacheKey(value: unknown): string {
  return hashText(canonicalJson(value));
}

/** The key a config's results, weights and suite runs are stored under. */
export function configHash(config: ExperimentConfig): string {
  return cacheKey(config);
}

/** A digest of files (names, sizes and every byte): new files under old names are parsed again. */
export function fingerprintBytes(files: readonly { readonly name: string; readonly bytes: Uint8Array }[]): string {
  return hashText(files.map(({ name, bytes }) => `${name}:${bytes.length}:${hashBytes(bytes)}`).join('|'));
}
