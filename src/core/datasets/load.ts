/**
 * The one entry point from a user's files to the pool of records an experiment splits: unpack
 * (gzip, tar), recognise the format by file names, parse, and join train and test files, train
 * first. Anything unexpected is refused with the file's name and what is wrong with it.
 */
import {
  CIFAR100_NUM_CLASSES,
  CIFAR10_CLASS_NAMES,
  parseCifar10,
  parseCifar100,
  type Cifar100Labels,
} from './cifar';
import { parseIdxPair } from './idx';
import { readLines } from './text';
import { DatasetError, type ImageDataset, type LabelledImages, type NamedBytes } from './types';
import { dataFileName, unpackFiles } from './unpack';

export interface ParseOptions {
  /** CIFAR-100 only: the 100 fine classes (default) or the 20 coarse superclasses. */
  readonly cifar100Labels?: Cifar100Labels;
  /** The dataset's display name; by default the format's name, or the given file names for IDX. */
  readonly name?: string;
  /** IDX only: every label must be below this. By default the largest label + 1. */
  readonly numClasses?: number;
  /** Class names, numClasses long, overriding any the files carry. */
  readonly classNames?: readonly string[];
}

type Format = 'IDX' | 'CIFAR-10' | 'CIFAR-100';

/** A file recognised by its name: which format, what role in it, and where it goes in the pool. */
interface Recognised {
  readonly file: NamedBytes;
  readonly format: Format;
  /** Unique within a dataset, e.g. "images:train", "batch:3", "names:fine". */
  readonly role: string;
}

const IDX_IMAGES = /^(.+)[-.]images[-.]idx3[-.]ubyte$/i;
const IDX_LABELS = /^(.+)[-.]labels[-.]idx1[-.]ubyte$/i;
const CIFAR10_BATCH = /^data_batch_([1-9]\d*)\.bin$/i;
/** Files that ship beside the data (the CIFAR-10 archive's readme, macOS metadata) and are skipped. */
const IGNORED = /^(\..*|readme\.html)$/i;

const EXPECTED_FILES =
  'expected MNIST-style IDX files (<prefix>-images-idx3-ubyte with <prefix>-labels-idx1-ubyte, optionally .gz), ' +
  'CIFAR-10 batches (data_batch_1..5.bin, test_batch.bin), CIFAR-100 files (train.bin, test.bin), or a .tar/.tar.gz of them';

/** The pool of records in `files`: every train file, then every test file, in a fixed order. */
export async function parseDatasetFiles(files: readonly NamedBytes[], options: ParseOptions = {}): Promise<ImageDataset> {
  if (options.numClasses !== undefined && !(Number.isInteger(options.numClasses) && options.numClasses >= 1 && options.numClasses <= 256)) {
    throw new RangeError(`parseDatasetFiles: numClasses must be an integer in 1..256, got ${options.numClasses}`);
  }
  if (files.length === 0) throw new DatasetError('(no files)', `no dataset files were given; ${EXPECTED_FILES}`);
  const recognised = recogniseFiles(await unpackFiles(files));
  const data = recognised.filter((r) => !r.role.startsWith('names:'));
  if (data.length === 0) {
    throw new DatasetError(files.map((f) => f.name).join(', '), `holds no dataset files; ${EXPECTED_FILES}`);
  }
  const format = data[0].format;
  const byRole = new Map(recognised.map((r) => [r.role, r.file]));
  const assembled =
    format === 'IDX' ? assembleIdx(byRole, options.numClasses)
    : format === 'CIFAR-10' ? assembleCifar10(byRole)
    : assembleCifar100(byRole, options.cifar100Labels ?? 'fine');
  const classNames = options.classNames ?? assembled.classNames;
  if (classNames && classNames.length !== assembled.numClasses) {
    throw new RangeError(`parseDatasetFiles: ${classNames.length} class names given for ${assembled.numClasses} classes`);
  }
  const pool = concatenateParts(assembled.parts);
  const name = options.name ?? assembled.name ?? files.map((f) => f.name).join(', ');
  if (pool.count === 0) throw new DatasetError(name, 'holds no images');
  return { ...pool, name, numClasses: assembled.numClasses, ...(classNames ? { classNames } : {}) };
}

/** Each file's format and role, refusing unknown files, two formats at once, and duplicates. */
function recogniseFiles(files: readonly NamedBytes[]): Recognised[] {
  const recognised: Recognised[] = [];
  for (const file of files) {
    const base = dataFileName(file.name);
    if (IGNORED.test(base)) continue;
    const found = recogniseName(base);
    if (!found) throw new DatasetError(file.name, `is not a recognised dataset file; ${EXPECTED_FILES}`);
    const first = recognised[0];
    if (first && first.format !== found.format) {
      throw new DatasetError(file.name, `is a ${found.format} file, but ${first.file.name} is ${first.format}; give the files of one dataset only`);
    }
    const twin = recognised.find((r) => r.role === found.role);
    if (twin) throw new DatasetError(file.name, `plays the same part as ${twin.file.name}; give each file once`);
    recognised.push({ file, ...found });
  }
  return recognised;
}

function recogniseName(base: string): Omit<Recognised, 'file'> | undefined {
  const images = IDX_IMAGES.exec(base);
  if (images) return { format: 'IDX', role: `images:${images[1].toLowerCase()}` };
  const labels = IDX_LABELS.exec(base);
  if (labels) return { format: 'IDX', role: `labels:${labels[1].toLowerCase()}` };
  const batch = CIFAR10_BATCH.exec(base);
  if (batch) return { format: 'CIFAR-10', role: `batch:${Number(batch[1])}` };
  switch (base.toLowerCase()) {
    case 'test_batch.bin': return { format: 'CIFAR-10', role: 'test' };
    case 'batches.meta.txt': return { format: 'CIFAR-10', role: 'names:cifar-10' };
    case 'train.bin': return { format: 'CIFAR-100', role: 'train' };
    case 'test.bin': return { format: 'CIFAR-100', role: 'test' };
    case 'fine_label_names.txt': return { format: 'CIFAR-100', role: 'names:fine' };
    case 'coarse_label_names.txt': return { format: 'CIFAR-100', role: 'names:coarse' };
    default: return undefined;
  }
}

interface Assembled {
  readonly parts: readonly LabelledImages[];
  readonly numClasses: number;
  readonly classNames?: readonly string[];
  /** The format's name where it names the dataset; IDX files could be anything. */
  readonly name?: string;
}

type FilesByRole = ReadonlyMap<string, NamedBytes>;

/** IDX pairs matched by prefix ("train", "t10k"); train-like prefixes first, then alphabetical. */
function assembleIdx(byRole: FilesByRole, numClasses: number | undefined): Assembled {
  const prefixes = new Set<string>();
  for (const role of byRole.keys()) prefixes.add(role.slice(role.indexOf(':') + 1));
  const order = [...prefixes].sort((a, b) => Number(!a.includes('train')) - Number(!b.includes('train')) || a.localeCompare(b));
  const parts = order.map((prefix) => {
    const images = byRole.get(`images:${prefix}`);
    const labels = byRole.get(`labels:${prefix}`);
    if (!images) throw new DatasetError(labels!.name, `has no images file; expected ${prefix}-images-idx3-ubyte beside it`);
    if (!labels) throw new DatasetError(images.name, `has no labels file; expected ${prefix}-labels-idx1-ubyte beside it`);
    return { file: images, part: parseIdxPair(images, labels, numClasses) };
  });
  for (const { file, part } of parts) {
    if (part.shape.join() !== parts[0].part.shape.join()) {
      throw new DatasetError(file.name, `holds ${part.shape[0]}×${part.shape[1]} images, but ${parts[0].file.name} holds ${parts[0].part.shape[0]}×${parts[0].part.shape[1]}`);
    }
  }
  const maxLabel = parts.reduce((max, { part }) => part.labels.reduce((m, label) => Math.max(m, label), max), 0);
  return { parts: parts.map((p) => p.part), numClasses: numClasses ?? maxLabel + 1 };
}

/** data_batch_1..N by number, then test_batch. */
function assembleCifar10(byRole: FilesByRole): Assembled {
  const batches = [...byRole.keys()]
    .filter((role) => role.startsWith('batch:'))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  const files = [...batches, 'test'].flatMap((role) => byRole.get(role) ?? []);
  const namesFile = byRole.get('names:cifar-10');
  return {
    parts: files.map(parseCifar10),
    numClasses: 10,
    classNames: namesFile ? readClassNames(namesFile, 10) : CIFAR10_CLASS_NAMES,
    name: 'CIFAR-10',
  };
}

/** train.bin, then test.bin, with the fine or coarse labels and their names when the archive has them. */
function assembleCifar100(byRole: FilesByRole, labels: Cifar100Labels): Assembled {
  const files = ['train', 'test'].flatMap((role) => byRole.get(role) ?? []);
  const numClasses = CIFAR100_NUM_CLASSES[labels];
  const namesFile = byRole.get(`names:${labels}`);
  return {
    parts: files.map((file) => parseCifar100(file, labels)),
    numClasses,
    ...(namesFile ? { classNames: readClassNames(namesFile, numClasses) } : {}),
    name: `CIFAR-100 (${labels} labels)`,
  };
}

function readClassNames(file: NamedBytes, numClasses: number): string[] {
  const names = readLines(file.bytes);
  if (names.length !== numClasses) throw new DatasetError(file.name, `lists ${names.length} class names; expected ${numClasses}`);
  return names;
}

/** One pool with its own buffers (so it can be transferred to a worker whole). */
function concatenateParts(parts: readonly LabelledImages[]): LabelledImages {
  const count = parts.reduce((sum, part) => sum + part.count, 0);
  const images = new Uint8Array(parts.reduce((sum, part) => sum + part.images.length, 0));
  const labels = new Uint8Array(count);
  let imageOffset = 0;
  let labelOffset = 0;
  for (const part of parts) {
    images.set(part.images, imageOffset);
    labels.set(part.labels, labelOffset);
    imageOffset += part.images.length;
    labelOffset += part.count;
  }
  return { images, labels, count, shape: parts[0].shape };
}
