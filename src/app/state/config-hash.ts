/**
 * The key a result is stored under: a hash of the config that produced it, computed on a canonical
 * JSON form (keys sorted at every level) so that two equal configs always share a key, whatever
 * order their fields were written in.
 */
import type { DatasetConfig, ExperimentConfig } from '../../core/config';

/** JSON with object keys sorted; arrays keep their order (attack order is part of the experiment). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * cyrb53 (a public-domain 53-bit string hash by bryc): fast, synchronous, and with 53 bits a
 * collision within one person's runs is not a practical concern. Not cryptographic.
 */
export function hashString(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

export function configHash(config: ExperimentConfig): string {
  return hashString(canonicalJson(config));
}

/** A digest of the user's files (names, sizes and every byte): new files under old names parse again. */
export function fingerprintBytes(files: readonly { readonly name: string; readonly bytes: Uint8Array }[]): string {
  const digests = files.map(({ name, bytes }) => {
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < bytes.length; i++) {
      h1 = Math.imul(h1 ^ bytes[i], 2654435761);
      h2 = Math.imul(h2 ^ bytes[i], 1597334677);
    }
    return `${name}:${bytes.length}:${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
  });
  return hashString(digests.join('|'));
}

/** Where a parsed dataset is cached: built-ins by name, user files by their names and label choice. */
export function datasetCacheKey(dataset: DatasetConfig): string {
  if (dataset.name !== 'custom') return `builtin:${dataset.name}`;
  return `custom:${canonicalJson({ files: dataset.files ?? [], cifar100Labels: dataset.cifar100Labels ?? 'fine' })}`;
}
