/**
 * Archives built in memory for the dataset tests: a minimal ustar writer (POSIX.1-1988 headers,
 * the layout `src/core/datasets/tar.ts` reads) and gzip through node:zlib, so the tests never
 * need the 160 MB official CIFAR downloads.
 */
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

/**
 * One tar member: a regular file (type '0') by default, a directory ('5'), or the GNU long-name
 * ('L') and pax extended ('x') headers that name the member after them.
 */
export type TarType = '0' | '5' | 'L' | 'x';
export interface TarEntry {
  readonly name: string;
  readonly bytes?: Uint8Array;
  readonly type?: TarType;
}

/** A ustar archive of `entries`, ending with the two zero blocks tar writes. */
export function makeTar(entries: readonly TarEntry[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const entry of entries) {
    const bytes = entry.bytes ?? new Uint8Array(0);
    blocks.push(makeHeader(entry.name, bytes.length, entry.type ?? '0'));
    const padded = new Uint8Array(Math.ceil(bytes.length / BLOCK) * BLOCK);
    padded.set(bytes);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(2 * BLOCK));
  return concatBytes(blocks);
}

/** `bytes` gzip-compressed, as a plain Uint8Array (not a Node Buffer). */
export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** The byte offsets of a ustar header's fields (POSIX ustar layout). */
const FIELD = {
  name: 0,
  mode: 100,
  uid: 108,
  gid: 116,
  size: 124,
  mtime: 136,
  checksum: 148,
  typeflag: 156,
  magic: 257,
  version: 263,
  prefix: 345,
} as const;

/** Names longer than the 100-byte name field are split at a '/' into prefix and name, as ustar does. */
function makeHeader(path: string, size: number, type: TarType): Uint8Array {
  const header = new Uint8Array(BLOCK);
  const [prefix, name] = splitPath(path);
  writeText(header, FIELD.name, name);
  writeText(header, FIELD.prefix, prefix);
  writeText(header, FIELD.mode, type === '5' ? '0000755\0' : '0000644\0');
  writeText(header, FIELD.uid, '0001750\0');
  writeText(header, FIELD.gid, '0001750\0');
  writeText(header, FIELD.size, `${size.toString(8).padStart(11, '0')}\0`);
  writeText(header, FIELD.mtime, '14000000000\0');
  writeText(header, FIELD.typeflag, type);
  writeText(header, FIELD.magic, 'ustar\0');
  writeText(header, FIELD.version, '00');
  writeChecksum(header);
  return header;
}

/**
 * Edits the header at `offset` of `archive` in place (`fields` maps a byte offset in the header
 * to the text written there) and stores the checksum that matches, so that only the edit is wrong.
 */
export function editTarHeader(archive: Uint8Array, offset: number, fields: Readonly<Record<number, string>>): void {
  const header = archive.subarray(offset, offset + BLOCK);
  for (const [at, text] of Object.entries(fields)) writeText(header, Number(at), text);
  writeChecksum(header);
}

/** The checksum is the byte sum with its own 8 bytes counted as spaces: six octal digits, NUL, space. */
function writeChecksum(header: Uint8Array): void {
  writeText(header, FIELD.checksum, ' '.repeat(8));
  const sum = header.reduce((total, b) => total + b, 0);
  writeText(header, FIELD.checksum, `${sum.toString(8).padStart(6, '0')}\0 `);
}

function splitPath(path: string): [prefix: string, name: string] {
  if (path.length <= 100) return ['', path];
  const cut = path.lastIndexOf('/', path.length - 1);
  if (cut <= 0 || path.length - cut - 1 > 100 || cut > 155) throw new Error(`makeTar: cannot store the path ${path}`);
  return [path.slice(0, cut), path.slice(cut + 1)];
}

function writeText(header: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
