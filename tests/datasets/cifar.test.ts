import { describe, expect, it } from 'vitest';
import {
  CIFAR100_RECORD_BYTES,
  CIFAR10_CLASS_NAMES,
  CIFAR10_RECORD_BYTES,
  parseCifar10,
  parseCifar100,
} from '../../src/core/datasets/cifar';
import { parseDatasetFiles } from '../../src/core/datasets/load';
import type { LabelledImages } from '../../src/core/datasets/types';
import { gzip, makeTar } from './archive-fixtures';
import { cifarPixel, expectDatasetError, makeCifar10, makeCifar100 } from './format-fixtures';

const text = (lines: readonly string[]) => new TextEncoder().encode(`${lines.join('\n')}\n\n`);

/** Every pixel of every record is where the HWC layout puts it: index 3·(row·32 + col) + channel. */
function expectInterleaved(parsed: LabelledImages, firstRecord = 0): void {
  for (let i = 0; i < parsed.count; i++) {
    const image = parsed.images.subarray(i * 3072, (i + 1) * 3072);
    const expected = Uint8Array.from({ length: 3072 }, (_, k) => cifarPixel(firstRecord + i, k % 3, Math.floor(k / 3)));
    expect(image).toEqual(expected);
  }
}

describe('parseCifar10', () => {
  it('reads 3073-byte records: the label, then the image turned from planar RGB to channels last', () => {
    const parsed = parseCifar10({ name: 'data_batch_1.bin', bytes: makeCifar10([6, 9, 0]) });
    expect(CIFAR10_RECORD_BYTES).toBe(3073);
    expect(parsed.count).toBe(3);
    expect(parsed.shape).toEqual([32, 32, 3]);
    expect([...parsed.labels]).toEqual([6, 9, 0]);
    expect(parsed.images.length).toBe(3 * 32 * 32 * 3);
    // Record 1, row 2, column 5: p = 69. Planar bytes 69, 1024 + 69, 2048 + 69 of the image hold
    // (29 + 3·69) % 256 = 236, (29 + 85 + 207) % 256 = 65 and (29 + 170 + 207) % 256 = 150.
    const at = 3072 + 3 * (2 * 32 + 5);
    expect([...parsed.images.subarray(at, at + 3)]).toEqual([236, 65, 150]);
    expectInterleaved(parsed);
  });

  it('refuses a length that is not a whole number of records', async () => {
    const bytes = makeCifar10([1, 2]).subarray(0, 2 * 3073 - 1);
    await expectDatasetError(
      () => parseCifar10({ name: 'data_batch_2.bin', bytes }),
      'data_batch_2.bin',
      '6145 bytes is not a whole number of 3073-byte records (3072 bytes left over)',
      'truncated',
    );
  });

  it('refuses an empty file', async () => {
    await expectDatasetError(() => parseCifar10({ name: 'test_batch.bin', bytes: new Uint8Array(0) }), 'test_batch.bin', 'is empty');
  });

  it('refuses a label of 10 or more, naming the record', async () => {
    await expectDatasetError(
      () => parseCifar10({ name: 'data_batch_3.bin', bytes: makeCifar10([1, 2, 10]) }),
      'data_batch_3.bin',
      'CIFAR-10 label 10 in record 2 is out of range 0..9',
    );
  });

  it('refuses a CIFAR-100 file given as CIFAR-10 by its length', async () => {
    // 3 × 3074 = 9222 = 3 × 3073 + 3
    await expectDatasetError(
      () => parseCifar10({ name: 'data_batch_1.bin', bytes: makeCifar100([{ coarse: 1, fine: 2 }, { coarse: 1, fine: 2 }, { coarse: 1, fine: 2 }]) }),
      'data_batch_1.bin',
      'not a whole number of 3073-byte records (3 bytes left over)',
    );
  });
});

describe('parseCifar100', () => {
  const records = [
    { coarse: 4, fine: 30 },
    { coarse: 19, fine: 99 },
    { coarse: 0, fine: 0 },
  ];

  it('keeps the fine labels by default and the coarse ones on request, with the same images', () => {
    const bytes = makeCifar100(records);
    expect(CIFAR100_RECORD_BYTES).toBe(3074);
    const fine = parseCifar100({ name: 'train.bin', bytes });
    const coarse = parseCifar100({ name: 'train.bin', bytes }, 'coarse');
    expect([...fine.labels]).toEqual([30, 99, 0]);
    expect([...coarse.labels]).toEqual([4, 19, 0]);
    expect(fine.shape).toEqual([32, 32, 3]);
    expect(coarse.images).toEqual(fine.images);
    expectInterleaved(fine);
  });

  it('refuses a fine label of 100 or more even when the coarse labels are asked for', async () => {
    const bytes = makeCifar100([{ coarse: 1, fine: 2 }, { coarse: 3, fine: 100 }]);
    for (const labels of ['fine', 'coarse'] as const) {
      await expectDatasetError(() => parseCifar100({ name: 'test.bin', bytes }, labels), 'test.bin', 'CIFAR-100 fine label 100 in record 1 is out of range 0..99');
    }
  });

  it('refuses a coarse label of 20 or more even when the fine labels are asked for', async () => {
    const bytes = makeCifar100([{ coarse: 20, fine: 2 }]);
    for (const labels of ['fine', 'coarse'] as const) {
      await expectDatasetError(() => parseCifar100({ name: 'train.bin', bytes }, labels), 'train.bin', 'CIFAR-100 coarse label 20 in record 0 is out of range 0..19');
    }
  });

  it('refuses a CIFAR-10 file given as CIFAR-100 by its length', async () => {
    // 3 × 3073 = 9219 = 2 × 3074 + 3071
    await expectDatasetError(
      () => parseCifar100({ name: 'train.bin', bytes: makeCifar10([1, 2, 3]) }),
      'train.bin',
      '9219 bytes is not a whole number of 3074-byte records (3071 bytes left over)',
    );
  });
});

describe('CIFAR-10 archives', () => {
  // One record per batch, labelled with the batch number (0 for the test batch), so the order shows.
  const batch = (n: number) => ({ name: `cifar-10-batches-bin/data_batch_${n}.bin`, bytes: makeCifar10([n]) });
  const names = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const archive = makeTar([
    { name: 'cifar-10-batches-bin/', type: '5' },
    { name: 'cifar-10-batches-bin/test_batch.bin', bytes: makeCifar10([0, 7]) },
    batch(3),
    batch(1),
    batch(5),
    batch(2),
    batch(4),
    { name: 'cifar-10-batches-bin/batches.meta.txt', bytes: text(names) },
    { name: 'cifar-10-batches-bin/readme.html', bytes: text(['<html></html>']) },
  ]);

  it('reads the official layout from a .tar.gz: batches 1..5 in order, then the test batch', async () => {
    const pool = await parseDatasetFiles([{ name: 'cifar-10-binary.tar.gz', bytes: gzip(archive) }]);
    expect(pool.name).toBe('CIFAR-10');
    expect(pool.count).toBe(7);
    expect(pool.shape).toEqual([32, 32, 3]);
    expect([...pool.labels]).toEqual([1, 2, 3, 4, 5, 0, 7]);
    expect(pool.numClasses).toBe(10);
    expect(pool.classNames).toEqual(names); // from batches.meta.txt, blank lines dropped
  });

  it('gives the same pool from a plain .tar, a .tgz and the loose files', async () => {
    const reference = await parseDatasetFiles([{ name: 'cifar-10-binary.tar', bytes: archive }]);
    const tgz = await parseDatasetFiles([{ name: 'cifar-10-binary.tgz', bytes: gzip(archive) }]);
    const loose = await parseDatasetFiles([1, 2, 3, 4, 5].map(batch).concat({ name: 'test_batch.bin', bytes: makeCifar10([0, 7]) }));
    for (const pool of [tgz, loose]) {
      expect(pool.labels).toEqual(reference.labels);
      expect(pool.images).toEqual(reference.images);
    }
    expect(loose.classNames).toEqual(CIFAR10_CLASS_NAMES);
  });

  it('refuses a corrupt batch inside the archive, naming it by its path in the archive', async () => {
    const bad = makeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: makeCifar10([3, 12]) }]);
    await expectDatasetError(
      () => parseDatasetFiles([{ name: 'cifar-10-binary.tar.gz', bytes: gzip(bad) }]),
      'cifar-10-binary.tar.gz/cifar-10-batches-bin/data_batch_1.bin',
      'CIFAR-10 label 12 in record 1 is out of range 0..9',
    );
  });

  it('refuses a class-name list of the wrong length', async () => {
    const bad = makeTar([batch(1), { name: 'cifar-10-batches-bin/batches.meta.txt', bytes: text(['a', 'b', 'c']) }]);
    await expectDatasetError(
      () => parseDatasetFiles([{ name: 'c.tar', bytes: bad }]),
      'c.tar/cifar-10-batches-bin/batches.meta.txt',
      'lists 3 class names; expected 10',
    );
  });
});

describe('CIFAR-100 archives', () => {
  const fineNames = Array.from({ length: 100 }, (_, i) => `fine${i}`);
  const coarseNames = Array.from({ length: 20 }, (_, i) => `coarse${i}`);
  const archive = gzip(
    makeTar([
      { name: 'cifar-100-binary/', type: '5' },
      { name: 'cifar-100-binary/test.bin', bytes: makeCifar100([{ coarse: 7, fine: 70 }]) },
      { name: 'cifar-100-binary/train.bin', bytes: makeCifar100([{ coarse: 1, fine: 10 }, { coarse: 19, fine: 99 }]) },
      { name: 'cifar-100-binary/fine_label_names.txt', bytes: text(fineNames) },
      { name: 'cifar-100-binary/coarse_label_names.txt', bytes: text(coarseNames) },
    ]),
  );
  const files = [{ name: 'cifar-100-binary.tar.gz', bytes: archive }];

  it('reads train.bin then test.bin with the 100 fine labels and their names', async () => {
    const pool = await parseDatasetFiles(files);
    expect(pool.name).toBe('CIFAR-100 (fine labels)');
    expect(pool.count).toBe(3);
    expect([...pool.labels]).toEqual([10, 99, 70]);
    expect(pool.numClasses).toBe(100);
    expect(pool.classNames).toEqual(fineNames);
  });

  it('reads the 20 coarse labels and their names on request', async () => {
    const pool = await parseDatasetFiles(files, { cifar100Labels: 'coarse' });
    expect(pool.name).toBe('CIFAR-100 (coarse labels)');
    expect([...pool.labels]).toEqual([1, 19, 7]);
    expect(pool.numClasses).toBe(20);
    expect(pool.classNames).toEqual(coarseNames);
    expect(pool.images).toEqual((await parseDatasetFiles(files)).images);
  });
});
