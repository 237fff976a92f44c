/** The engine's BlobCache as files in a folder (runs/.cache by default), written atomically. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobCache } from '../core/cache';

/** The file an entry is kept in (reference shards list these in their manifests). */
export const cacheFileName = (key: string) => `${key.replace(/[^a-z0-9-]/gi, '_')}.bin`;

export function fileCache(dir: string): BlobCache {
  const path = (key: string) => join(dir, cacheFileName(key));
  return {
    async read(key) {
      try {
        return new Uint8Array(await readFile(path(key)));
      } catch {
        return undefined;
      }
    },
    async write(key, bytes) {
      await mkdir(dir, { recursive: true });
      const temporary = `${path(key)}.${process.pid}.tmp`;
      await writeFile(temporary, bytes);
      await rename(temporary, path(key));
    },
  };
}
