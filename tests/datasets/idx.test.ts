import { describe, expect, it } from 'vitest';
import { parseIdxImages, parseIdxLabels, parseIdxPair } from '../../src/core/datasets/idx';
import { parseDatasetFiles } from '../../src/core/datasets/load';
import { gzip } from './archive-fixtures';
import { expectDatasetError, idxPixel, makeIdxImages, makeIdxLabels } from './format-fixtures';

const IMAGES = 'train-images-idx3-ubyte';
const LABELS = 'train-labels-idx1-ubyte';

describe('parseIdxPair', () => {
  it('reads a hand-built file: 3 images of 2×2 and their labels', () => {
    const pair = parseIdxPair({ name: IMAGES, bytes: makeIdxImages(3, 2, 2) }, { name: LABELS, bytes: makeIdxLabels([4, 0, 9]) }, 10);
    expect(pair.count).toBe(3);
    expect(pair.shape).toEqual([2, 2, 1]);
    expect([...pair.labels]).toEqual([4, 0, 9]);
    // 16 header bytes, then the pixels as written: idxPixel(0..11) = 11, 48, 85, ...
    expect([...pair.images]).toEqual(Array.from({ length: 12 }, (_, i) => idxPixel(i)));
    expect([...pair.images.subarray(0, 3)]).toEqual([11, 48, 85]);
  });

  it('reads rows × cols from the header, so non-square images keep their shape', () => {
    const images = parseIdxImages({ name: IMAGES, bytes: makeIdxImages(2, 3, 5) });
    expect(images).toMatchObject({ count: 2, rows: 3, cols: 5 });
    expect(images.pixels.length).toBe(30);
  });

  it('accepts every label below numClasses and any label when none is given', () => {
    expect([...parseIdxLabels({ name: LABELS, bytes: makeIdxLabels([0, 9]) }, 10)]).toEqual([0, 9]);
    expect([...parseIdxLabels({ name: LABELS, bytes: makeIdxLabels([0, 255]) })]).toEqual([0, 255]);
  });
});

describe('IDX validation', () => {
  it('refuses a wrong magic number and shows it', async () => {
    const bytes = makeIdxImages(1, 2, 2);
    bytes.set([0x12, 0x34, 0x56, 0x78], 0);
    await expectDatasetError(() => parseIdxImages({ name: IMAGES, bytes }), IMAGES, 'wrong magic number 0x12345678', 'expected an IDX images file (magic 0x00000803)');
  });

  it('says so when a still-compressed file reaches the parser', async () => {
    await expectDatasetError(
      () => parseIdxImages({ name: IMAGES, bytes: gzip(makeIdxImages(1, 2, 2)) }),
      IMAGES,
      'wrong magic number',
      '(the file is gzip-compressed)',
    );
  });

  it('recognises a labels file given as the images file, and the other way round', async () => {
    await expectDatasetError(
      () => parseIdxImages({ name: LABELS, bytes: makeIdxLabels([1, 2]) }),
      LABELS,
      'declares 1 dimensions (it looks like an IDX labels file)',
    );
    await expectDatasetError(
      () => parseIdxLabels({ name: IMAGES, bytes: makeIdxImages(1, 2, 2) }),
      IMAGES,
      'declares 3 dimensions (it looks like an IDX images file)',
    );
  });

  it('refuses data types other than unsigned bytes', async () => {
    const bytes = makeIdxImages(1, 2, 2);
    bytes[2] = 0x0d; // float
    await expectDatasetError(() => parseIdxImages({ name: IMAGES, bytes }), IMAGES, 'stores IDX data type 0x0d', 'only unsigned bytes (0x08)');
  });

  it('refuses a file too short for its header', async () => {
    await expectDatasetError(() => parseIdxImages({ name: IMAGES, bytes: new Uint8Array([0, 0]) }), IMAGES, 'is 2 bytes, too short for an IDX header');
    const headerCut = makeIdxImages(1, 2, 2).subarray(0, 10);
    await expectDatasetError(() => parseIdxImages({ name: IMAGES, bytes: headerCut }), IMAGES, 'truncated: 10 bytes, but the IDX header alone is 16');
  });

  it('refuses truncated images, naming the count the header declares', async () => {
    const bytes = makeIdxImages(3, 2, 2).subarray(0, 27); // 16 + 12 bytes expected
    await expectDatasetError(
      () => parseIdxImages({ name: IMAGES, bytes }),
      IMAGES,
      'truncated: 27 bytes, but its header declares 3 images of 2×2 (28 bytes)',
    );
  });

  it('refuses truncated labels and bytes beyond what the header declares', async () => {
    const labels = makeIdxLabels([1, 2, 3]);
    await expectDatasetError(() => parseIdxLabels({ name: LABELS, bytes: labels.subarray(0, 10) }), LABELS, 'truncated: 10 bytes', 'declares 3 labels (11 bytes)');
    const padded = new Uint8Array(labels.length + 2);
    padded.set(labels);
    await expectDatasetError(() => parseIdxLabels({ name: LABELS, bytes: padded }), LABELS, '13 bytes', '2 extra bytes');
  });

  it('refuses images with a side of zero', async () => {
    await expectDatasetError(() => parseIdxImages({ name: IMAGES, bytes: makeIdxImages(1, 0, 2) }), IMAGES, 'declares 0×2 images; both sides must be ≥ 1');
  });

  it('refuses a label count that differs from the image count, naming both files', async () => {
    await expectDatasetError(
      () => parseIdxPair({ name: IMAGES, bytes: makeIdxImages(3, 2, 2) }, { name: LABELS, bytes: makeIdxLabels([1, 2]) }),
      IMAGES,
      `holds 3 images but its labels file ${LABELS} holds 2 labels`,
    );
  });

  it('refuses a label out of range, with its value and index', async () => {
    await expectDatasetError(
      () => parseIdxLabels({ name: LABELS, bytes: makeIdxLabels([3, 10, 2]) }, 10),
      LABELS,
      'label 10 at index 1 is out of range 0..9',
    );
  });
});

describe('IDX through parseDatasetFiles', () => {
  const train = [
    { name: 'train-images-idx3-ubyte', bytes: makeIdxImages(3, 2, 2) },
    { name: 'train-labels-idx1-ubyte', bytes: makeIdxLabels([0, 1, 2]) },
  ];
  const test = [
    { name: 't10k-images-idx3-ubyte', bytes: makeIdxImages(2, 2, 2, new Uint8Array(8).fill(200)) },
    { name: 't10k-labels-idx1-ubyte', bytes: makeIdxLabels([4, 3]) },
  ];

  it('puts the train pair before the test pair whatever the order given, and counts classes from the labels', async () => {
    const pool = await parseDatasetFiles([...test, ...train]);
    expect(pool.count).toBe(5);
    expect([...pool.labels]).toEqual([0, 1, 2, 4, 3]);
    expect(pool.numClasses).toBe(5);
    expect([...pool.images.subarray(12)]).toEqual(new Array(8).fill(200));
    expect(pool.name).toBe(test.concat(train).map((f) => f.name).join(', '));
  });

  it('gives the same pool from gzipped files, with or without the .gz suffix', async () => {
    const raw = await parseDatasetFiles([...train, ...test]);
    const gzipped = await parseDatasetFiles([...train, ...test].map((f) => ({ name: `${f.name}.gz`, bytes: gzip(f.bytes) })));
    // A server may decompress in transit or not; a gzip stream is recognised by its magic, not its name.
    const unnamed = await parseDatasetFiles([...train, ...test].map((f) => ({ name: f.name, bytes: gzip(f.bytes) })));
    for (const pool of [gzipped, unnamed]) {
      expect(pool.images).toEqual(raw.images);
      expect(pool.labels).toEqual(raw.labels);
    }
  });

  it('checks labels against the numClasses option', async () => {
    await expectDatasetError(() => parseDatasetFiles([...train, ...test], { numClasses: 4 }), 't10k-labels-idx1-ubyte', 'label 4 at index 0 is out of range 0..3');
  });

  it('refuses an images file without its labels file, and the other way round', async () => {
    await expectDatasetError(() => parseDatasetFiles([train[0]]), train[0].name, 'has no labels file; expected train-labels-idx1-ubyte beside it');
    await expectDatasetError(() => parseDatasetFiles([...train, test[1]]), test[1].name, 'has no images file; expected t10k-images-idx3-ubyte beside it');
  });

  it('refuses pairs whose images differ in size', async () => {
    const big = { name: 't10k-images-idx3-ubyte', bytes: makeIdxImages(2, 3, 3) };
    await expectDatasetError(() => parseDatasetFiles([...train, big, test[1]]), big.name, 'holds 3×3 images, but train-images-idx3-ubyte holds 2×2');
  });

  it('refuses files that hold no images at all', async () => {
    const empty = [
      { name: 'train-images-idx3-ubyte', bytes: makeIdxImages(0, 2, 2) },
      { name: 'train-labels-idx1-ubyte', bytes: makeIdxLabels([]) },
    ];
    await expectDatasetError(() => parseDatasetFiles(empty, { name: 'Empty' }), 'Empty', 'holds no images');
  });
});
