import { describe, expect, it } from 'vitest';
import { parseDatasetFiles } from '../../src/core/datasets/load';
import { DatasetError } from '../../src/core/datasets/types';
import { gzip, makeTar } from './archive-fixtures';
import { expectDatasetError, makeCifar10, makeCifar100, makeIdxImages, makeIdxLabels } from './format-fixtures';

const idxPair = [
  { name: 'train-images-idx3-ubyte', bytes: makeIdxImages(2, 2, 2) },
  { name: 'train-labels-idx1-ubyte', bytes: makeIdxLabels([0, 1]) },
];
const cifar10 = { name: 'data_batch_1.bin', bytes: makeCifar10([1]) };
const cifar100 = { name: 'train.bin', bytes: makeCifar100([{ coarse: 1, fine: 2 }]) };

describe('DatasetError', () => {
  it('carries the file name and the problem, and says both in its message', () => {
    const error = new DatasetError('train.bin', 'is empty');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DatasetError');
    expect(error.fileName).toBe('train.bin');
    expect(error.problem).toBe('is empty');
    expect(error.message).toBe('train.bin: is empty');
  });
});

describe('parseDatasetFiles: recognising files', () => {
  it('refuses an empty list', async () => {
    await expectDatasetError(() => parseDatasetFiles([]), '(no files)', 'no dataset files were given');
  });

  it('refuses a file it does not recognise, and says what it expects', async () => {
    await expectDatasetError(
      () => parseDatasetFiles([...idxPair, { name: 'notes.txt', bytes: new Uint8Array(3) }]),
      'notes.txt',
      'is not a recognised dataset file',
      'data_batch_1..5.bin',
    );
  });

  it('refuses an unrecognised file inside an archive by its path there', async () => {
    const archive = makeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: makeCifar10([1]) }, { name: 'cifar-10-batches-bin/data.csv' }]);
    await expectDatasetError(() => parseDatasetFiles([{ name: 'c.tar.gz', bytes: gzip(archive) }]), 'c.tar.gz/cifar-10-batches-bin/data.csv', 'is not a recognised dataset file');
  });

  it('refuses IDX and CIFAR files together', async () => {
    await expectDatasetError(
      () => parseDatasetFiles([...idxPair, cifar10]),
      'data_batch_1.bin',
      'is a CIFAR-10 file, but train-images-idx3-ubyte is IDX; give the files of one dataset only',
    );
  });

  it('refuses CIFAR-10 and CIFAR-100 files together', async () => {
    await expectDatasetError(() => parseDatasetFiles([cifar100, cifar10]), 'data_batch_1.bin', 'is a CIFAR-10 file, but train.bin is CIFAR-100');
  });

  it('refuses the same file given twice', async () => {
    const archive = makeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: makeCifar10([1]) }]);
    await expectDatasetError(
      () => parseDatasetFiles([cifar10, { name: 'c.tar', bytes: archive }]),
      'c.tar/cifar-10-batches-bin/data_batch_1.bin',
      'plays the same part as data_batch_1.bin; give each file once',
    );
  });

  it('skips a readme and hidden files, but refuses a set that holds nothing else', async () => {
    const extras = [{ name: 'readme.html', bytes: new Uint8Array(5) }, { name: '.DS_Store', bytes: new Uint8Array(5) }];
    expect((await parseDatasetFiles([...extras, cifar10])).count).toBe(1);
    await expectDatasetError(() => parseDatasetFiles(extras), 'readme.html, .DS_Store', 'holds no dataset files');
  });

  it('takes its options: name, class names, and refuses out-of-range ones', async () => {
    const named = await parseDatasetFiles(idxPair, { name: 'Tiny', classNames: ['zero', 'one'] });
    expect(named).toMatchObject({ name: 'Tiny', numClasses: 2, classNames: ['zero', 'one'] });
    await expect(parseDatasetFiles(idxPair, { numClasses: 0 })).rejects.toThrow(RangeError);
    await expect(parseDatasetFiles(idxPair, { numClasses: 257 })).rejects.toThrow(/numClasses must be an integer in 1\.\.256/);
    await expect(parseDatasetFiles([cifar10], { classNames: ['a'] })).rejects.toThrow(/1 class names given for 10 classes/);
  });

  it('returns a pool with buffers of its own, not views into the files', async () => {
    const pool = await parseDatasetFiles(idxPair);
    expect(pool.images.byteOffset).toBe(0);
    expect(pool.images.buffer.byteLength).toBe(pool.images.length);
    expect(pool.labels.buffer.byteLength).toBe(pool.count);
  });
});
