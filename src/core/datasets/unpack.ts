/**
 * From the files a user gives to the files a parser reads: gzip streams are decompressed
 * (recognised by their magic number, since browsers and servers sometimes decompress a `.gz`
 * on the way and leave its name), and tar archives are expanded into their members.
 */
import { gunzip, isGzip } from './gzip';
import { isTar, readTar } from './tar';
import type { NamedBytes } from './types';
import { DatasetError } from './types';

/** Archives inside archives are expanded this deep; deeper ones are left as they are. */
const MAX_NESTING = 3;

/**
 * The plain files inside `files`. A member of an archive is named "archive/path/in/archive" so
 * that an error points at it; a gzip file keeps the name the user gave it.
 */
export async function unpackFiles(files: readonly NamedBytes[]): Promise<NamedBytes[]> {
  const unpacked: NamedBytes[] = [];
  for (const file of files) unpacked.push(...(await unpackFile(file, 0)));
  return unpacked;
}

/** The name a file is recognised by: its last path segment, without a `.gz` suffix. */
export function dataFileName(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base.replace(/\.tgz$/i, '.tar').replace(/\.gz$/i, '');
}

async function unpackFile(file: NamedBytes, depth: number): Promise<NamedBytes[]> {
  if (depth >= MAX_NESTING) return [file];
  const bytes = isGzip(file.bytes) ? await gunzip(file.bytes, file.name) : file.bytes;
  if (isZip(bytes)) throw new DatasetError(file.name, 'is a zip archive, which is not supported; extract it, or give a .tar.gz');
  if (!dataFileName(file.name).toLowerCase().endsWith('.tar') && !isTar(bytes)) return [{ name: file.name, bytes }];
  const members = readTar(bytes, file.name);
  const unpacked: NamedBytes[] = [];
  for (const member of members) {
    unpacked.push(...(await unpackFile({ name: `${file.name}/${member.name}`, bytes: member.bytes }, depth + 1)));
  }
  return unpacked;
}

/** The local-file-header signature "PK\x03\x04" that starts a zip archive. */
function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
