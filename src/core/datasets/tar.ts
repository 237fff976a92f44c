/**
 * A minimal reader for ustar archives (POSIX.1-1988, with the GNU and pax long-name extensions),
 * enough for the official CIFAR `.tar.gz` files. It returns regular files only, as views into
 * the archive's bytes, and refuses a corrupt header or a truncated archive by name.
 */
import { decodeUtf8 } from './text';
import { DatasetError, type NamedBytes } from './types';

const BLOCK = 512;

/** Header fields as [offset, length] (POSIX ustar layout). */
const FIELD = {
  name: [0, 100],
  size: [124, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  magic: [257, 6],
  prefix: [345, 155],
} as const;

/** Typeflags of regular files: '0', the pre-POSIX NUL, and '7' (contiguous file). */
const REGULAR_FILE_TYPES = new Set(['0', '\0', '7']);

/** True when `bytes` carry the ustar magic in their first header (GNU tar writes "ustar  "). */
export function isTar(bytes: Uint8Array): boolean {
  return bytes.length >= BLOCK && readString(bytes, 0, FIELD.magic).startsWith('ustar');
}

/** The regular files in a tar archive, named with their directory path ("dir/file.bin"). */
export function readTar(bytes: Uint8Array, archiveName: string): NamedBytes[] {
  const files: NamedBytes[] = [];
  let longName: string | undefined; // from a GNU 'L' or pax 'x' entry, applies to the next file
  let offset = 0;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return files; // end-of-archive marker
    verifyChecksum(header, offset, archiveName);
    const type = readString(header, 0, FIELD.typeflag) || '\0';
    const headerName = readHeaderName(header);
    const size = readSize(header, offset, archiveName);
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      const available = bytes.length - dataStart;
      throw new DatasetError(archiveName, `truncated: "${headerName}" declares ${size} bytes but only ${available} remain`);
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = decodeUtf8(data).replace(/\0+$/, '');
    } else if (type === 'x') {
      longName = readPaxPath(data) ?? longName;
    } else {
      if (REGULAR_FILE_TYPES.has(type)) files.push({ name: normalisePath(longName ?? headerName), bytes: data });
      longName = undefined; // directories, links and the rest are skipped, but consume the long name
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  // Tools often omit the two zero blocks at the end; only a partial header means truncation.
  if (offset < bytes.length && !bytes.subarray(offset).every((b) => b === 0)) {
    throw new DatasetError(archiveName, `truncated: ${bytes.length - offset} bytes of a header at byte ${offset} (a header is ${BLOCK})`);
  }
  return files;
}

function readString(header: Uint8Array, base: number, [start, length]: readonly [number, number]): string {
  const field = header.subarray(base + start, base + start + length);
  const end = field.indexOf(0);
  return decodeUtf8(end === -1 ? field : field.subarray(0, end));
}

/** ustar splits long paths into prefix + name; pre-POSIX headers have no prefix field. */
function readHeaderName(header: Uint8Array): string {
  const name = readString(header, 0, FIELD.name);
  const prefix = isTar(header) ? readString(header, 0, FIELD.prefix) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** Sizes are octal text, or big-endian binary flagged by the high bit (GNU, for files ≥ 8 GiB). */
function readSize(header: Uint8Array, offset: number, archiveName: string): number {
  const [start, length] = FIELD.size;
  if (header[start] & 0x80) {
    let size = header[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) size = size * 256 + header[i];
    return size;
  }
  const text = readString(header, 0, FIELD.size).trim();
  if (!/^[0-7]*$/.test(text)) {
    throw new DatasetError(archiveName, `header at byte ${offset} has a malformed size field "${text}"`);
  }
  return text === '' ? 0 : parseInt(text, 8);
}

/** The checksum counts the header's bytes with its own field read as spaces; old tars summed signed bytes. */
function verifyChecksum(header: Uint8Array, offset: number, archiveName: string): void {
  const [start, length] = FIELD.checksum;
  const stored = parseInt(readString(header, 0, FIELD.checksum).trim(), 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= start && i < start + length ? 0x20 : header[i];
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  if (stored !== unsigned && stored !== signed) {
    const shown = Number.isNaN(stored) ? 'none' : stored;
    throw new DatasetError(
      archiveName,
      `header at byte ${offset} has a bad checksum (stored ${shown}, computed ${unsigned}): a corrupt archive, or not a tar file`,
    );
  }
}

/** A pax extended header is records "<length> <key>=<value>\n"; only `path` matters here. */
function readPaxPath(data: Uint8Array): string | undefined {
  for (const record of decodeUtf8(data).split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

function normalisePath(path: string): string {
  return path.replace(/^(\.\/)+/, '');
}
