/**
 * Gzip decompression through the platform's streaming decompressor, so the core needs no
 * zlib port: `DecompressionStream` exists in Node ≥ 18, workers and every current browser.
 */
import { DatasetError } from './types';

/** The few platform stream classes this module uses, typed here because the core has no DOM lib. */
interface ByteStream {
  pipeThrough(transform: unknown): ByteStream;
}
interface StreamPlatform {
  DecompressionStream?: new (format: 'gzip') => unknown;
  Blob: new (parts: readonly Uint8Array[]) => { stream(): ByteStream };
  Response: new (body: ByteStream) => { arrayBuffer(): Promise<ArrayBuffer> };
}

/** True when `bytes` start with the gzip magic number 1f 8b (RFC 1952, section 2.3.1). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The decompressed contents of a gzip file; a corrupt or truncated stream is refused by name. */
export async function gunzip(bytes: Uint8Array, fileName: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) throw new DatasetError(fileName, 'not a valid gzip stream: missing the 1f 8b magic number');
  const platform = globalThis as unknown as StreamPlatform;
  if (typeof platform.DecompressionStream !== 'function') {
    throw new DatasetError(fileName, 'is gzip-compressed, but this platform has no DecompressionStream; decompress it first');
  }
  try {
    const stream = new platform.Blob([bytes]).stream().pipeThrough(new platform.DecompressionStream('gzip'));
    return new Uint8Array(await new platform.Response(stream).arrayBuffer());
  } catch (error) {
    // Node says "unexpected end of file", Chromium a bare TypeError: keep whichever we got.
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatasetError(fileName, `not a valid gzip stream: ${reason}`);
  }
}
