/**
 * Tiny dataset files built byte by byte for the parser tests: IDX (MNIST's format) and the CIFAR
 * binary records, with pixels that follow a formula so a test can predict any one of them.
 */
import { expect } from 'vitest';
import { DatasetError } from '../../src/core/datasets/types';

const CIFAR_PLANE = 32 * 32;

/** An IDX3 images file: magic 0x00000803, count, rows, cols, then `pixels` (idxPixel by default). */
export function makeIdxImages(count: number, rows: number, cols: number, pixels?: Uint8Array): Uint8Array {
  const data = pixels ?? Uint8Array.from({ length: count * rows * cols }, (_, i) => idxPixel(i));
  return withHeader([0x00000803, count, rows, cols], data);
}

/** An IDX1 labels file: magic 0x00000801, count, then the labels. */
export function makeIdxLabels(labels: readonly number[]): Uint8Array {
  return withHeader([0x00000801, labels.length], Uint8Array.from(labels));
}

/** The byte at position `i` of the pixel data makeIdxImages writes by default. */
export function idxPixel(i: number): number {
  return (i * 37 + 11) % 256;
}

/**
 * The planar value of channel `channel` (0 red, 1 green, 2 blue) of pixel `p` (row·32 + col) in
 * record `record` of a synthetic CIFAR file. Different for each channel, so a mixed-up
 * interleave shows.
 */
export function cifarPixel(record: number, channel: number, p: number): number {
  return (record * 29 + channel * 85 + p * 3) % 256;
}

/** A CIFAR-10 file: one label byte then 3072 planar pixel bytes per record. */
export function makeCifar10(labels: readonly number[]): Uint8Array {
  return makeCifarRecords(labels.map((label) => [label]));
}

/** A CIFAR-100 file: coarse label byte, fine label byte, then 3072 planar pixel bytes per record. */
export function makeCifar100(labels: readonly { readonly coarse: number; readonly fine: number }[]): Uint8Array {
  return makeCifarRecords(labels.map(({ coarse, fine }) => [coarse, fine]));
}

function makeCifarRecords(labelBytes: readonly (readonly number[])[]): Uint8Array {
  const recordBytes = (labelBytes[0]?.length ?? 1) + 3 * CIFAR_PLANE;
  const bytes = new Uint8Array(labelBytes.length * recordBytes);
  labelBytes.forEach((labels, record) => {
    const start = record * recordBytes;
    bytes.set(labels, start);
    for (let channel = 0; channel < 3; channel++) {
      for (let p = 0; p < CIFAR_PLANE; p++) {
        bytes[start + labels.length + channel * CIFAR_PLANE + p] = cifarPixel(record, channel, p);
      }
    }
  });
  return bytes;
}

function withHeader(words: readonly number[], data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(4 * words.length + data.length);
  const view = new DataView(bytes.buffer);
  words.forEach((word, i) => view.setUint32(4 * i, word)); // big-endian, as IDX wants
  bytes.set(data, 4 * words.length);
  return bytes;
}

/**
 * The DatasetError that `run` throws (or rejects with), after checking it names `fileName` and
 * that its message holds each of `fragments`.
 */
export async function expectDatasetError(
  run: () => unknown,
  fileName: string,
  ...fragments: readonly (string | RegExp)[]
): Promise<DatasetError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a DatasetError').toBeInstanceOf(DatasetError);
  const error = caught as DatasetError;
  expect(error.fileName).toBe(fileName);
  expect(error.message.startsWith(`${fileName}: `)).toBe(true);
  for (const fragment of fragments) {
    if (typeof fragment === 'string') expect(error.message).toContain(fragment);
    else expect(error.message).toMatch(fragment);
  }
  return error;
}

/**
 * Where two byte arrays first differ ("length" when only their lengths do), or undefined when
 * they are equal. Vitest's deep equality takes a minute on MNIST's 55 MB; this takes milliseconds.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number | 'length' | undefined {
  const bufferA = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const bufferB = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (bufferA.equals(bufferB)) return undefined;
  if (a.length !== b.length) return 'length';
  return a.findIndex((value, i) => value !== b[i]);
}
