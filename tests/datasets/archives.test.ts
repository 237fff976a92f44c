import { describe, expect, it } from 'vitest';
import { gunzip, isGzip } from '../../src/core/datasets/gzip';
import { parseDatasetFiles } from '../../src/core/datasets/load';
import { isTar, readTar } from '../../src/core/datasets/tar';
import { dataFileName, unpackFiles } from '../../src/core/datasets/unpack';
import { concatBytes, editTarHeader, gzip, makeTar } from './archive-fixtures';
import { expectDatasetError, makeCifar10 } from './format-fixtures';

const bytesOf = (text: string) => new TextEncoder().encode(text);

/** The start of a zip archive: a local file header ("PK\x03\x04") and a little more. */
const ZIP = concatBytes([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), new Uint8Array(40)]);

describe('gunzip', () => {
  it('round-trips what node:zlib compresses', async () => {
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251);
    const compressed = gzip(data);
    expect(isGzip(compressed)).toBe(true);
    expect(isGzip(data)).toBe(false);
    expect(await gunzip(compressed, 'data.gz')).toEqual(data);
  });

  it('refuses a truncated stream by name', async () => {
    const compressed = gzip(Uint8Array.from({ length: 10_000 }, (_, i) => i % 7));
    await expectDatasetError(() => gunzip(compressed.subarray(0, compressed.length - 6), 'train-images-idx3-ubyte.gz'), 'train-images-idx3-ubyte.gz', 'not a valid gzip stream: ', /unexpected end of file/);
  });

  it('refuses a stream with corrupt data', async () => {
    const compressed = gzip(Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31) % 256));
    compressed[20] ^= 0xff;
    compressed[21] ^= 0xff;
    await expectDatasetError(() => gunzip(compressed, 'x.gz'), 'x.gz', /^x\.gz: not a valid gzip stream: \S/);
  });

  it('refuses bytes without the gzip magic', async () => {
    await expectDatasetError(() => gunzip(bytesOf('hello'), 'hello.gz'), 'hello.gz', 'missing the 1f 8b magic number');
  });
});

describe('readTar', () => {
  it('returns the regular files with their paths, skipping directories', () => {
    const data = makeCifar10([1]);
    const archive = makeTar([
      { name: 'cifar-10-batches-bin/', type: '5' },
      { name: './cifar-10-batches-bin/data_batch_1.bin', bytes: data },
      { name: 'cifar-10-batches-bin/empty.txt' },
    ]);
    expect(isTar(archive)).toBe(true);
    const files = readTar(archive, 'a.tar');
    expect(files.map((f) => f.name)).toEqual(['cifar-10-batches-bin/data_batch_1.bin', 'cifar-10-batches-bin/empty.txt']);
    expect(files[0].bytes).toEqual(data);
    expect(files[1].bytes.length).toBe(0);
  });

  it('joins the ustar prefix to the name of a long path', () => {
    const path = `${'deep/'.repeat(30)}train.bin`; // 159 characters: prefix + name
    const files = readTar(makeTar([{ name: path, bytes: bytesOf('x') }]), 'a.tar');
    expect(files.map((f) => f.name)).toEqual([path]);
  });

  it('takes a long name from a GNU "L" entry or a pax "x" header', () => {
    const gnuName = `${'g'.repeat(120)}/test.bin`;
    const paxName = `${'p'.repeat(120)}/train.bin`;
    const paxRecord = ` path=${paxName}\n`;
    const paxBody = `${paxRecord.length + String(paxRecord.length + 3).length}${paxRecord}`;
    const archive = makeTar([
      { name: '././@LongLink', type: 'L', bytes: bytesOf(`${gnuName}\0`) },
      { name: 'truncated-name-1', bytes: bytesOf('gnu') },
      { name: 'PaxHeader/x', type: 'x', bytes: bytesOf(paxBody) },
      { name: 'truncated-name-2', bytes: bytesOf('pax') },
      { name: 'plain.bin', bytes: bytesOf('plain') },
    ]);
    expect(readTar(archive, 'a.tar').map((f) => f.name)).toEqual([gnuName, paxName, 'plain.bin']);
  });

  it('reads a pre-POSIX header: no ustar magic, a NUL typeflag, and a name ending in .tar', async () => {
    const archive = makeTar([{ name: 'cifar-10-batches-bin/test_batch.bin', bytes: makeCifar10([4]) }]);
    editTarHeader(archive, 0, { 156: '\0', 257: '\0'.repeat(8) }); // typeflag; magic and version
    expect(isTar(archive)).toBe(false);
    expect(readTar(archive, 'old.tar').map((f) => f.name)).toEqual(['cifar-10-batches-bin/test_batch.bin']);
    const pool = await parseDatasetFiles([{ name: 'old.tar', bytes: archive }]);
    expect([...pool.labels]).toEqual([4]);
  });

  it('reads a size stored in base-256, as GNU tar writes sizes of 8 GiB and more', () => {
    const archive = makeTar([{ name: 'a.bin', bytes: bytesOf('abcde') }]);
    editTarHeader(archive, 0, { 124: `\x80${'\0'.repeat(10)}\x05` });
    expect(readTar(archive, 'a.tar')[0].bytes).toEqual(bytesOf('abcde'));
  });

  it('accepts an archive without its two closing zero blocks', () => {
    const archive = makeTar([{ name: 'a.bin', bytes: bytesOf('abc') }]);
    expect(readTar(archive.subarray(0, 1024), 'a.tar').map((f) => f.name)).toEqual(['a.bin']);
  });

  it('refuses an archive cut inside a file, naming the member', async () => {
    const archive = makeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: makeCifar10([1, 2]) }]);
    await expectDatasetError(
      () => readTar(archive.subarray(0, 512 + 4000), 'cifar-10-binary.tar'),
      'cifar-10-binary.tar',
      'truncated: "cifar-10-batches-bin/data_batch_1.bin" declares 6146 bytes but only 4000 remain',
    );
  });

  it('refuses an archive cut inside a header', async () => {
    const first = makeTar([{ name: 'a.bin', bytes: bytesOf('abc') }]).subarray(0, 1024);
    const second = makeTar([{ name: 'b.bin', bytes: bytesOf('def') }]).subarray(0, 200);
    await expectDatasetError(() => readTar(concatBytes([first, second]), 'x.tar'), 'x.tar', 'truncated: 200 bytes of a header at byte 1024');
  });

  it('refuses a header whose checksum does not match', async () => {
    const archive = makeTar([{ name: 'a.bin', bytes: bytesOf('abc') }]);
    archive[0] = 'b'.charCodeAt(0);
    await expectDatasetError(() => readTar(archive, 'x.tar'), 'x.tar', 'header at byte 0 has a bad checksum', 'not a tar file');
  });

  it('refuses a malformed size field', async () => {
    const archive = makeTar([{ name: 'a.bin', bytes: bytesOf('abc') }]);
    editTarHeader(archive, 0, { 124: '0000000009x' }); // the size field, not octal
    await expectDatasetError(() => readTar(archive, 'x.tar'), 'x.tar', 'header at byte 0 has a malformed size field "0000000009x"');
  });
});

describe('unpackFiles', () => {
  it('names dataset files by their last path segment without .gz, and .tgz as .tar', () => {
    expect(dataFileName('datasets/mnist/train-images-idx3-ubyte.gz')).toBe('train-images-idx3-ubyte');
    expect(dataFileName('cifar-10-binary.tgz')).toBe('cifar-10-binary.tar');
    expect(dataFileName('cifar-10-binary.tar.gz')).toBe('cifar-10-binary.tar');
    expect(dataFileName('a.tar.gz/cifar-10-batches-bin/test_batch.bin')).toBe('test_batch.bin');
  });

  it('names archive members "archive/path" and keeps a gzip file\'s own name', async () => {
    const inner = makeTar([{ name: 'dir/test_batch.bin', bytes: makeCifar10([1]) }]);
    const files = await unpackFiles([
      { name: 'outer.tar.gz', bytes: gzip(makeTar([{ name: 'inner.tar', bytes: inner }])) },
      { name: 'data_batch_1.bin.gz', bytes: gzip(makeCifar10([2])) },
    ]);
    expect(files.map((f) => f.name)).toEqual(['outer.tar.gz/inner.tar/dir/test_batch.bin', 'data_batch_1.bin.gz']);
    expect(files[1].bytes).toEqual(makeCifar10([2]));
  });

  it('recognises a tar by its magic even when its name does not say so', async () => {
    const files = await unpackFiles([{ name: 'download', bytes: makeTar([{ name: 'test_batch.bin', bytes: makeCifar10([1]) }]) }]);
    expect(files.map((f) => f.name)).toEqual(['download/test_batch.bin']);
  });

  it('refuses a zip archive, compressed or not', async () => {
    await expectDatasetError(() => unpackFiles([{ name: 'cifar-10-binary.zip', bytes: ZIP }]), 'cifar-10-binary.zip', 'is a zip archive, which is not supported');
    await expectDatasetError(() => unpackFiles([{ name: 'odd.gz', bytes: gzip(ZIP) }]), 'odd.gz', 'is a zip archive');
  });

  it('refuses a file named .tar that is not one', async () => {
    await expectDatasetError(() => unpackFiles([{ name: 'data.tar', bytes: new Uint8Array(1024).fill(7) }]), 'data.tar', 'bad checksum');
  });
});

describe('corrupt archives through parseDatasetFiles', () => {
  const archive = makeTar([
    { name: 'cifar-10-batches-bin/', type: '5' },
    { name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: makeCifar10([1, 2, 3]) },
    { name: 'cifar-10-batches-bin/test_batch.bin', bytes: makeCifar10([4]) },
  ]);

  it('refuses a truncated .tar.gz download as a gzip stream', async () => {
    const compressed = gzip(archive);
    await expectDatasetError(
      () => parseDatasetFiles([{ name: 'cifar-10-binary.tar.gz', bytes: compressed.subarray(0, Math.floor(compressed.length / 2)) }]),
      'cifar-10-binary.tar.gz',
      'not a valid gzip stream',
    );
  });

  it('refuses a truncated tar inside a valid gzip stream', async () => {
    // The directory's header, the batch's header, then 100 of its 9219 bytes.
    await expectDatasetError(
      () => parseDatasetFiles([{ name: 'cifar-10-binary.tar.gz', bytes: gzip(archive.subarray(0, 2 * 512 + 100)) }]),
      'cifar-10-binary.tar.gz',
      'truncated: "cifar-10-batches-bin/data_batch_1.bin" declares 9219 bytes but only 100 remain',
    );
  });

  it('refuses a zip of the dataset', async () => {
    await expectDatasetError(() => parseDatasetFiles([{ name: 'cifar-10-binary.zip', bytes: ZIP }]), 'cifar-10-binary.zip', 'is a zip archive');
  });
});
