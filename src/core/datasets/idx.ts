/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
 * (two zero bytes, a type code, the number of dimensions), one big-endian uint32 per dimension,
 * then the data. Only unsigned bytes (type 0x08) are used by these datasets.
 */
import { DatasetError, type LabelledImages, type NamedBytes } from './types';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

/** An IDX images file: `count` grayscale images of rows × cols, row-major. */
export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly pixels: Uint8Array;
}

/** The images of an IDX3 file (magic 0x00000803); the pixels are a view into `file.bytes`. */
export function parseIdxImages(file: NamedBytes): IdxImages {
  const [count, rows, cols] = readHeader(file, IDX_IMAGES_MAGIC, 'images');
  if (rows === 0 || cols === 0) throw new DatasetError(file.name, `declares ${rows}×${cols} images; both sides must be ≥ 1`);
  const headerBytes = 4 + 3 * 4;
  checkLength(file, headerBytes, count * rows * cols, `${count} images of ${rows}×${cols}`);
  return { count, rows, cols, pixels: file.bytes.subarray(headerBytes) };
}

/**
 * The labels of an IDX1 file (magic 0x00000801), a view into `file.bytes`. When `numClasses` is
 * given, every label must be below it (10 for MNIST and Fashion-MNIST).
 */
export function parseIdxLabels(file: NamedBytes, numClasses?: number): Uint8Array {
  const [count] = readHeader(file, IDX_LABELS_MAGIC, 'labels');
  const headerBytes = 4 + 4;
  checkLength(file, headerBytes, count, `${count} labels`);
  const labels = file.bytes.subarray(headerBytes);
  if (numClasses !== undefined) {
    const bad = labels.findIndex((label) => label >= numClasses);
    if (bad !== -1) {
      throw new DatasetError(file.name, `label ${labels[bad]} at index ${bad} is out of range 0..${numClasses - 1}`);
    }
  }
  return labels;
}

/** An images file and its labels file as one set; their counts must agree. */
export function parseIdxPair(imagesFile: NamedBytes, labelsFile: NamedBytes, numClasses?: number): LabelledImages {
  const images = parseIdxImages(imagesFile);
  const labels = parseIdxLabels(labelsFile, numClasses);
  if (images.count !== labels.length) {
    throw new DatasetError(
      imagesFile.name,
      `holds ${images.count} images but its labels file ${labelsFile.name} holds ${labels.length} labels`,
    );
  }
  return { images: images.pixels, labels, count: images.count, shape: [images.rows, images.cols, 1] };
}

/** The dimensions declared by an IDX header, after checking the magic names the expected kind. */
function readHeader(file: NamedBytes, magic: number, kind: 'images' | 'labels'): number[] {
  const { bytes, name } = file;
  const dims = magic & 0xff;
  const expected = `expected an IDX ${kind} file (magic ${hex(magic)})`;
  if (bytes.length < 4) throw new DatasetError(name, `is ${bytes.length} bytes, too short for an IDX header; ${expected}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (the file is gzip-compressed)' : '';
    throw new DatasetError(name, `wrong magic number ${hex(found)}${hint}; ${expected}`);
  }
  if (bytes[2] !== 0x08) {
    throw new DatasetError(name, `stores IDX data type 0x${hex(bytes[2]).slice(-2)}; only unsigned bytes (0x08) are supported`);
  }
  if (bytes[3] !== dims) {
    const other = kind === 'images' ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
    const hint = found === other ? ` (it looks like an IDX ${kind === 'images' ? 'labels' : 'images'} file)` : '';
    throw new DatasetError(name, `declares ${bytes[3]} dimensions${hint}; ${expected}, which has ${dims}`);
  }
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(name, `truncated: ${bytes.length} bytes, but the IDX header alone is ${headerBytes}`);
  }
  return Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
}

/** The file must hold exactly what its header declares: less is truncation, more is corruption. */
function checkLength(file: NamedBytes, headerBytes: number, dataBytes: number, declared: string): void {
  const expected = headerBytes + dataBytes;
  if (file.bytes.length < expected) {
    throw new DatasetError(file.name, `truncated: ${file.bytes.length} bytes, but its header declares ${declared} (${expected} bytes)`);
  }
  if (file.bytes.length > expected) {
    throw new DatasetError(
      file.name,
      `${file.bytes.length} bytes, but its header declares ${declared} (${expected} bytes): ${file.bytes.length - expected} extra bytes`,
    );
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
