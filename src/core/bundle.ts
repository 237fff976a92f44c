/**
 * An experiment bundle: one file that carries a finished (merged) experiment to the app: its config,
 * results.json, scores.csv, the reference models' cache entries and membership masks, and the
 * target's and shadows' weights when they were kept. The app checks it, stores it and shows the
 * results with the reference outputs in its cache, so a class can explore a many-model LiRA that
 * no laptop trained. Pure and tf-free: the CLI writes bundles, the page reads them.
 *
 * Layout (little-endian u32 words):
 *   magic "MIAB" · format version · header length H · header (UTF-8 JSON, H bytes) · padding to 4 ·
 *   the sections' bytes, each padded to 4, in header order · FNV-1a checksum of all that precedes it.
 * The header lists each section's name, length and FNV-1a checksum, so a damaged file is refused
 * naming the part that is damaged.
 */
import { cacheKey, checksum, decodeEntry } from './cache';
import { parseExperimentConfig, type ExperimentConfig } from './config';

export const BUNDLE_MAGIC = 0x4d494142; // "MIAB"
export const BUNDLE_FORMAT = 'mia-lab-bundle';
export const BUNDLE_VERSION = 1;
/** The file name ending the app's picker offers and the CLI suggests. */
export const BUNDLE_EXTENSION = '.miab';

/** One reference model's outputs: its cache entry (cache.ts) under its key. */
export interface BundleReference {
  readonly index: number;
  readonly key: string;
  readonly entry: Uint8Array;
}

/** A trained model as tf.io artifacts: topology and weight specs (JSON text) and the weights' bytes. */
export interface BundleModel {
  /** `target-0`, `shadow-0`, … */
  readonly name: string;
  readonly artifacts: string;
  readonly weights: Uint8Array;
}

export interface ExperimentBundle {
  readonly config: ExperimentConfig;
  /** results.json's text, as the CLI wrote it. */
  readonly resultsJson: string;
  readonly scoresCsv?: string;
  readonly referenceMasksCsv?: string;
  /** Every reference model of the config, index 0 to N − 1. */
  readonly references: readonly BundleReference[];
  readonly models: readonly BundleModel[];
  readonly tool: { readonly name: string; readonly version: string };
  readonly createdAt: string;
}

/** A file that is not an intact bundle this lab can read; the message starts with the file's name. */
export class BundleError extends Error {
  constructor(fileName: string, problem: string) {
    super(`${fileName}: ${problem}`);
    this.name = 'BundleError';
  }
}

interface SectionInfo {
  readonly name: string;
  readonly length: number;
  readonly checksum: number;
}

interface Header {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly tool: { readonly name: string; readonly version: string };
  readonly createdAt: string;
  readonly sections: readonly SectionInfo[];
}

/** TextEncoder and TextDecoder exist in Node, pages and workers; the core's ES2022 lib does not declare them. */
interface Utf8 {
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}
const utf8: Utf8 = (() => {
  const g = globalThis as unknown as {
    TextEncoder: new () => { encode(text: string): Uint8Array };
    TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };
  };
  const encoder = new g.TextEncoder();
  const decoder = new g.TextDecoder('utf-8', { fatal: true });
  return { encode: (text) => encoder.encode(text), decode: (bytes) => decoder.decode(bytes) };
})();

const pad4 = (n: number) => Math.ceil(n / 4) * 4;

function sectionsOf(bundle: ExperimentBundle): { name: string; bytes: Uint8Array }[] {
  const text = (name: string, value: string | undefined) => (value === undefined ? [] : [{ name, bytes: utf8.encode(value) }]);
  return [
    ...text('config.json', JSON.stringify(bundle.config)),
    ...text('results.json', bundle.resultsJson),
    ...text('scores.csv', bundle.scoresCsv),
    ...text('reference-masks.csv', bundle.referenceMasksCsv),
    ...bundle.references.map((r) => ({ name: `references/${r.index}/${r.key}`, bytes: r.entry })),
    ...bundle.models.flatMap((m) => [
      { name: `models/${m.name}.json`, bytes: utf8.encode(m.artifacts) },
      { name: `models/${m.name}.weights.bin`, bytes: m.weights },
    ]),
  ];
}

export function encodeBundle(bundle: ExperimentBundle): Uint8Array {
  const sections = sectionsOf(bundle);
  const header: Header = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    tool: bundle.tool,
    createdAt: bundle.createdAt,
    sections: sections.map((s) => ({ name: s.name, length: s.bytes.length, checksum: checksum(s.bytes) })),
  };
  const headerBytes = utf8.encode(JSON.stringify(header));
  const total = 12 + pad4(headerBytes.length) + sections.reduce((n, s) => n + pad4(s.bytes.length), 0) + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  [BUNDLE_MAGIC, BUNDLE_VERSION, headerBytes.length].forEach((word, i) => view.setUint32(i * 4, word, true));
  out.set(headerBytes, 12);
  let at = 12 + pad4(headerBytes.length);
  for (const section of sections) {
    out.set(section.bytes, at);
    at += pad4(section.bytes.length);
  }
  view.setUint32(at, checksum(out.subarray(0, at)), true);
  return out;
}

/** The bundle in `bytes`, every part checked; a BundleError naming `fileName` and the problem otherwise. */
export function decodeBundle(bytes: Uint8Array, fileName: string): ExperimentBundle {
  const fail = (problem: string) => new BundleError(fileName, problem);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || view.getUint32(0, true) !== BUNDLE_MAGIC) throw fail('not a MIA Lab bundle (it does not start with "MIAB")');
  const version = view.getUint32(4, true);
  if (version !== BUNDLE_VERSION) throw fail(`bundle format version ${version}; this lab reads version ${BUNDLE_VERSION} (made by another version of the lab)`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength + 4 > bytes.length) throw fail(`truncated: its header says ${headerLength} bytes, the file holds ${bytes.length} in all`);
  let header: Header;
  try {
    header = JSON.parse(utf8.decode(bytes.subarray(12, 12 + headerLength))) as Header;
  } catch {
    throw fail('corrupt: its header is not readable JSON');
  }
  if (header.format !== BUNDLE_FORMAT || !Array.isArray(header.sections)) throw fail(`corrupt: its header is not a ${BUNDLE_FORMAT} header`);
  const end = 12 + pad4(headerLength) + header.sections.reduce((n, s) => n + pad4(Number(s.length) || 0), 0);
  if (end + 4 > bytes.length) throw fail(`truncated: ${bytes.length} bytes where its header lists ${end + 4}`);
  if (end + 4 < bytes.length) throw fail(`corrupt: ${bytes.length - end - 4} bytes after the end its header lists`);
  const sections = new Map<string, Uint8Array>();
  let at = 12 + pad4(headerLength);
  for (const section of header.sections) {
    const content = bytes.subarray(at, at + section.length);
    if (checksum(content) !== section.checksum) throw fail(`corrupt: section ${section.name} fails its checksum`);
    sections.set(section.name, content);
    at += pad4(section.length);
  }
  if (view.getUint32(end, true) !== checksum(bytes.subarray(0, end))) throw fail('corrupt: the file fails its checksum');
  return readSections(sections, header, fail);
}

function readSections(sections: Map<string, Uint8Array>, header: Header, fail: (problem: string) => BundleError): ExperimentBundle {
  const text = (name: string) => {
    const bytes = sections.get(name);
    return bytes === undefined ? undefined : utf8.decode(bytes);
  };
  const configText = text('config.json');
  const resultsJson = text('results.json');
  if (configText === undefined || resultsJson === undefined) throw fail('incomplete: config.json or results.json is missing');
  let config: ExperimentConfig;
  try {
    config = parseExperimentConfig(JSON.parse(configText));
  } catch (error) {
    throw fail(`holds a config this version of the lab refuses (${(error as Error).message})`);
  }
  let results: { config?: unknown };
  try {
    results = JSON.parse(resultsJson) as { config?: unknown };
  } catch {
    throw fail('corrupt: results.json is not JSON');
  }
  if (cacheKey(results.config) !== cacheKey(config)) throw fail('inconsistent: results.json was made by another config than the bundle\'s');
  const references: BundleReference[] = [];
  for (const [name, entry] of sections) {
    const match = /^references\/(\d+)\/(.+)$/.exec(name);
    if (!match) continue;
    const [index, key] = [Number(match[1]), match[2]];
    if (!decodeEntry(key, entry)) throw fail(`corrupt: reference model ${index}'s outputs are not an intact cache entry`);
    references.push({ index, key, entry });
  }
  references.sort((a, b) => a.index - b.index);
  if (references.length > 0 && (references.length !== config.reference.count || references.some((r, i) => r.index !== i))) {
    throw fail(`incomplete: ${references.length} reference models' outputs for the config's ${config.reference.count}`);
  }
  const models: BundleModel[] = [];
  for (const [name, bytes] of sections) {
    const match = /^models\/(.+)\.json$/.exec(name);
    if (!match) continue;
    const weights = sections.get(`models/${match[1]}.weights.bin`);
    if (!weights) throw fail(`incomplete: model ${match[1]} has no weights`);
    models.push({ name: match[1], artifacts: utf8.decode(bytes), weights });
  }
  return {
    config,
    resultsJson,
    scoresCsv: text('scores.csv'),
    referenceMasksCsv: text('reference-masks.csv'),
    references,
    models,
    tool: header.tool,
    createdAt: header.createdAt,
  };
}
