/**
 * Stage outputs kept under a key of exactly what produced them (ML Privacy Meter caches trained
 * models and signals the same way). An entry is the stage's plain metadata (JSON) plus its float32
 * arrays, in the checksummed format of core/cache.ts; anything that fails its checks is treated as
 * absent, so a corrupt entry is recomputed, never trusted.
 */
import { cacheKey, decodeEntry, encodeEntry, type BlobCache } from '../cache';

/** What a cached stage output is made of: small JSON metadata and big float32 arrays. */
export interface StageRecord {
  readonly meta: unknown;
  readonly arrays: readonly Float32Array[];
}

export interface StageCodec<T> {
  encode(value: T): StageRecord;
  /** undefined when the record does not hold a valid T (an older layout, say): it is recomputed. */
  decode(record: StageRecord): T | undefined;
}

/** Bump when a stage's output layout changes, so old entries stop matching. */
const RECORD_VERSION = 1;

/** The key of a stage's output: its name and the inputs it declares, nothing else. */
export function stageKey(stage: string, inputs: unknown): string {
  return cacheKey({ kind: 'stage', version: RECORD_VERSION, stage, inputs });
}

/** JSON as UTF-16 code units in a Float32Array (every unit < 2^16 is exact in float32). */
function textToArray(text: string): Float32Array {
  return Float32Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
}

function arrayToText(array: Float32Array): string {
  let text = '';
  for (let at = 0; at < array.length; at += 8192) text += String.fromCharCode(...array.subarray(at, at + 8192));
  return text;
}

export function encodeRecord(key: string, record: StageRecord): Uint8Array {
  return encodeEntry(key, [textToArray(JSON.stringify(record.meta ?? null)), ...record.arrays]);
}

/**
 * Records decoded from the bytes objects the cache handed out (its memory layer hands out the same
 * ones again): an instant re-run reads each stage's metadata, a target's history with its per-epoch
 * attack curves among them, without turning it back into text and parsing it. Read-only, as every
 * decoded entry is.
 */
const decodedRecords = new WeakMap<Uint8Array, { readonly key: string; readonly record: StageRecord }>();

export function decodeRecord(key: string, bytes: Uint8Array): StageRecord | undefined {
  const known = decodedRecords.get(bytes);
  if (known && known.key === key) return known.record;
  const arrays = decodeEntry(key, bytes);
  if (!arrays || arrays.length === 0) return undefined;
  try {
    const record = { meta: JSON.parse(arrayToText(arrays[0])), arrays: arrays.slice(1) };
    decodedRecords.set(bytes, { key, record });
    return record;
  } catch {
    return undefined;
  }
}

export interface CachedStageOptions<T> {
  readonly cache?: BlobCache;
  readonly key: string;
  readonly codec: StageCodec<T>;
  readonly compute: () => Promise<T>;
  /** A corrupt entry, or one that could not be written (full disk, quota): the run goes on. */
  readonly warn: (message: string) => void;
  /** For messages: "the target model". */
  readonly what: string;
}

/** The cached output when an intact one exists, else compute it and try to keep it. */
export async function cachedStage<T>(options: CachedStageOptions<T>): Promise<{ value: T; cached: boolean }> {
  const { cache, key, codec, warn, what } = options;
  if (cache) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await cache.read(key);
    } catch (error) {
      warn(`${what}: the cache could not be read (${(error as Error).message}); recomputing`);
    }
    if (bytes) {
      const record = decodeRecord(key, bytes);
      const value = record ? codec.decode(record) : undefined;
      if (value !== undefined) return { value, cached: true };
      warn(`${what}: its cache entry is corrupt or incomplete; recomputing`);
    }
  }
  const value = await options.compute();
  if (cache) {
    try {
      await cache.write(key, encodeRecord(key, codec.encode(value)));
    } catch (error) {
      warn(`${what}: could not be cached (${(error as Error).message}); the run goes on without the cache`);
    }
  }
  return { value, cached: false };
}
