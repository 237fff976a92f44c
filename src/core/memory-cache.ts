/**
 * A BlobCache with a bounded in-memory layer in front: the worker keeps the entries of its recent
 * runs decoded-ready in memory, so re-running a changed attack setting reads no IndexedDB at all.
 * Least recently used entries go first once the layer holds more than `maxBytes`.
 */
import type { BlobCache } from './cache';

export class MemoryLayer {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Uint8Array | undefined {
    const value = this.entries.get(key);
    if (value) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Uint8Array): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.byteLength;
      this.entries.delete(key);
    }
    if (value.byteLength > this.maxBytes) return;
    this.entries.set(key, value);
    this.bytes += value.byteLength;
    for (const [first, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(first);
      this.bytes -= entry.byteLength;
    }
  }

  get size(): number {
    return this.bytes;
  }

  /** `inner` with this layer in front of it. */
  over(inner: BlobCache): BlobCache {
    return {
      read: async (key) => {
        const hit = this.get(key);
        if (hit) return hit;
        const bytes = await inner.read(key);
        if (bytes) this.set(key, bytes);
        return bytes;
      },
      write: async (key, bytes) => {
        this.set(key, bytes);
        await inner.write(key, bytes);
      },
    };
  }
}
