/**
 * The binary versions of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html):
 * fixed-size records of label byte(s) followed by a 32×32 colour image stored planar (all red,
 * then all green, then all blue). The engine wants channels last, so records are interleaved.
 */
import { DatasetError, type LabelledImages, type NamedBytes } from './types';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXEL_BYTES = 3 * PLANE;

/** A CIFAR-10 record: 1 label byte + 3072 pixel bytes. */
export const CIFAR10_RECORD_BYTES = 1 + PIXEL_BYTES;
/** A CIFAR-100 record: coarse label byte, fine label byte + 3072 pixel bytes. */
export const CIFAR100_RECORD_BYTES = 2 + PIXEL_BYTES;

export const CIFAR10_CLASS_NAMES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

/** Which CIFAR-100 label to keep: the 100 fine classes or the 20 coarse superclasses. */
export type Cifar100Labels = 'fine' | 'coarse';

export const CIFAR100_NUM_CLASSES: Readonly<Record<Cifar100Labels, number>> = { fine: 100, coarse: 20 };

interface LabelField {
  /** The label's byte offset within a record. */
  readonly offset: number;
  readonly numClasses: number;
  /** How to call it in an error message. */
  readonly what: string;
}

const CIFAR10_LABEL: LabelField = { offset: 0, numClasses: 10, what: 'CIFAR-10 label' };
const CIFAR100_LABEL: Readonly<Record<Cifar100Labels, LabelField>> = {
  coarse: { offset: 0, numClasses: CIFAR100_NUM_CLASSES.coarse, what: 'CIFAR-100 coarse label' },
  fine: { offset: 1, numClasses: CIFAR100_NUM_CLASSES.fine, what: 'CIFAR-100 fine label' },
};

/** A CIFAR-10 batch file (data_batch_N.bin or test_batch.bin). */
export function parseCifar10(file: NamedBytes): LabelledImages {
  return parseRecords(file, CIFAR10_RECORD_BYTES, CIFAR10_LABEL);
}

/** A CIFAR-100 file (train.bin or test.bin), keeping the fine labels unless asked for coarse ones. */
export function parseCifar100(file: NamedBytes, labels: Cifar100Labels = 'fine'): LabelledImages {
  // Both labels are checked, so a corrupt file is refused whichever view of it was asked for.
  checkLabels(file, CIFAR100_RECORD_BYTES, CIFAR100_LABEL[labels === 'fine' ? 'coarse' : 'fine']);
  return parseRecords(file, CIFAR100_RECORD_BYTES, CIFAR100_LABEL[labels]);
}

function parseRecords(file: NamedBytes, recordBytes: number, label: LabelField): LabelledImages {
  const count = checkLabels(file, recordBytes, label);
  const images = new Uint8Array(count * PIXEL_BYTES);
  const labels = new Uint8Array(count);
  const labelBytes = recordBytes - PIXEL_BYTES;
  for (let i = 0; i < count; i++) {
    const record = i * recordBytes;
    labels[i] = file.bytes[record + label.offset];
    interleavePlanes(file.bytes, record + labelBytes, images, i * PIXEL_BYTES);
  }
  return { images, labels, count, shape: [SIDE, SIDE, 3] };
}

/** The record count, after checking the length and that every label is in range. */
function checkLabels(file: NamedBytes, recordBytes: number, label: LabelField): number {
  const { bytes, name } = file;
  if (bytes.length === 0) throw new DatasetError(name, 'is empty');
  const remainder = bytes.length % recordBytes;
  if (remainder !== 0) {
    throw new DatasetError(
      name,
      `${bytes.length} bytes is not a whole number of ${recordBytes}-byte records (${remainder} bytes left over); truncated, or not this CIFAR format`,
    );
  }
  const count = bytes.length / recordBytes;
  for (let i = 0; i < count; i++) {
    const value = bytes[i * recordBytes + label.offset];
    if (value >= label.numClasses) {
      throw new DatasetError(name, `${label.what} ${value} in record ${i} is out of range 0..${label.numClasses - 1}`);
    }
  }
  return count;
}

/** Planar R…G…B… → interleaved RGBRGB…: pixel p's channel c moves from c·1024 + p to 3p + c. */
function interleavePlanes(source: Uint8Array, from: number, target: Uint8Array, to: number): void {
  for (let p = 0; p < PLANE; p++) {
    target[to + 3 * p] = source[from + p];
    target[to + 3 * p + 1] = source[from + PLANE + p];
    target[to + 3 * p + 2] = source[from + 2 * PLANE + p];
  }
}
