/** The bundle format (core/bundle.ts): a round trip, and every way a file can be wrong refused by name. */
import { describe, expect, it } from 'vitest';
import { BundleError, decodeBundle, encodeBundle, type ExperimentBundle } from '../../src/core/bundle';
import { encodeEntry } from '../../src/core/cache';
import { parseExperimentConfig } from '../../src/core/config';

const config = parseExperimentConfig({ seed: 4, partSize: 50, reference: { count: 4 }, attacks: ['loss', 'lira-online'] });

function sample(overrides: Partial<ExperimentBundle> = {}): ExperimentBundle {
  const references = [0, 1, 2, 3].map((index) => {
    const key = `key-${index}`;
    return { index, key, entry: encodeEntry(key, [Float32Array.of(index, 0.5, -1.25), Float32Array.of(3)]) };
  });
  return {
    config,
    resultsJson: JSON.stringify({ formatVersion: 1, config, attacks: [{ name: 'loss', auc: 0.75 }] }),
    scoresCsv: 'index,member,label,loss\n7,1,3,-0.5\n',
    referenceMasksCsv: 'index,model_1,model_2\n7,1,0\n',
    references,
    models: [{ name: 'target-0', artifacts: '{"modelTopology":{"é":"ü"}}', weights: Uint8Array.of(1, 2, 3, 4, 5) }],
    tool: { name: 'mia-lab', version: '0.1.0' },
    createdAt: '2026-11-29T00:00:00.000Z',
    ...overrides,
  };
}

const refusal = (bytes: Uint8Array) => {
  try {
    decodeBundle(bytes, 'class.miab');
  } catch (error) {
    expect(error).toBeInstanceOf(BundleError);
    return (error as Error).message;
  }
  throw new Error('the bundle was accepted');
};

describe('experiment bundles', () => {
  it('round-trips every part byte for byte', () => {
    const bundle = sample();
    const back = decodeBundle(encodeBundle(bundle), 'class.miab');
    expect(back.config).toEqual(config);
    expect(back.resultsJson).toBe(bundle.resultsJson);
    expect(back.scoresCsv).toBe(bundle.scoresCsv);
    expect(back.referenceMasksCsv).toBe(bundle.referenceMasksCsv);
    expect(back.references.map((r) => [r.index, r.key, Array.from(r.entry)])).toEqual(bundle.references.map((r) => [r.index, r.key, Array.from(r.entry)]));
    expect(back.models).toHaveLength(1);
    expect(back.models[0].artifacts).toBe('{"modelTopology":{"é":"ü"}}');
    expect(Array.from(back.models[0].weights)).toEqual([1, 2, 3, 4, 5]);
    expect(back.tool).toEqual({ name: 'mia-lab', version: '0.1.0' });
  });

  it('round-trips a bundle without the optional parts', () => {
    const back = decodeBundle(encodeBundle(sample({ scoresCsv: undefined, referenceMasksCsv: undefined, references: [], models: [] })), 'x');
    expect(back.scoresCsv).toBeUndefined();
    expect(back.references).toEqual([]);
  });

  it('refuses a flipped byte in any part, naming the part', () => {
    const bytes = encodeBundle(sample());
    const text = new TextDecoder('latin1').decode(bytes);
    const inScores = text.indexOf('7,1,3,-0.5');
    const corrupt = bytes.slice();
    corrupt[inScores] ^= 0x01;
    expect(refusal(corrupt)).toMatch(/^class\.miab: corrupt: section scores\.csv fails its checksum/);
    const tail = bytes.slice();
    tail[tail.length - 1] ^= 0x80;
    expect(refusal(tail)).toMatch(/corrupt: the file fails its checksum/);
    const header = bytes.slice();
    header[14] ^= 0x20;
    expect(refusal(header)).toMatch(/corrupt/);
  });

  it('refuses a truncated file and one with bytes appended', () => {
    const bytes = encodeBundle(sample());
    expect(refusal(bytes.subarray(0, bytes.length - 7))).toMatch(/^class\.miab: truncated/);
    expect(refusal(bytes.subarray(0, 20))).toMatch(/truncated/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(refusal(longer)).toMatch(/4 bytes after the end/);
  });

  it('refuses another format version and a file that is no bundle', () => {
    const bytes = encodeBundle(sample());
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(4, 2, true);
    expect(refusal(future)).toMatch(/bundle format version 2; this lab reads version 1/);
    expect(refusal(new TextEncoder().encode('{"attacks": [], "target": {}}'))).toMatch(/not a MIA Lab bundle/);
  });

  it('refuses contents that do not belong together', () => {
    const other = parseExperimentConfig({ seed: 5, partSize: 50, reference: { count: 4 } });
    expect(refusal(encodeBundle(sample({ resultsJson: JSON.stringify({ config: other }) })))).toMatch(/results\.json was made by another config/);
    expect(refusal(encodeBundle(sample({ references: sample().references.slice(0, 1) })))).toMatch(/1 reference models' outputs for the config's 4/);
    const swapped = sample().references.map((r, i) => ({ ...r, key: `key-${3 - i}` }));
    expect(refusal(encodeBundle(sample({ references: swapped })))).toMatch(/reference model 0's outputs are not an intact cache entry/);
  });
});
