/** A bundle read by the app (state/import-bundle.ts): the run with its per-record scores back, and refusals by name. */
import { describe, expect, it } from 'vitest';
import { encodeBundle } from '../../src/core/bundle';
import { configHash } from '../../src/core/hash';
import { toScoresCsv } from '../../src/core/results';
import { looksLikeBundle, parseBundleFile } from '../../src/app/state/import-bundle';
import { resultsJsonText } from '../../src/app/state/import-export';
import { TINY_CONFIG, fakeResult } from './fixtures';

function bundleOf(scoresCsv: string | undefined) {
  const result = fakeResult(TINY_CONFIG);
  return encodeBundle({
    config: TINY_CONFIG,
    resultsJson: resultsJsonText(result),
    scoresCsv,
    references: [],
    models: [],
    tool: { name: 'mia-lab', version: '0.1.0' },
    createdAt: '2026-11-29T00:00:00.000Z',
  });
}

describe('importing a bundle in the app', () => {
  it('restores the run with its records and per-record scores, which a results.json alone lacks', () => {
    const bytes = bundleOf(toScoresCsv(fakeResult(TINY_CONFIG)));
    expect(looksLikeBundle(bytes)).toBe(true);
    const { run } = parseBundleFile('class.miab', bytes, 7);
    expect(run).toMatchObject({ hash: configHash(TINY_CONFIG), finishedAt: 7, origin: 'import' });
    expect(Array.from(run.result.records.poolIndex)).toEqual([5, 9, 1, 4]);
    expect(Array.from(run.result.records.member)).toEqual([1, 1, 0, 0]);
    expect(Array.from(run.result.records.label)).toEqual([3, 1, 4, 1]);
    expect(Array.from(run.result.attacks[0].memberScores)).toEqual([0.9, 0.6]);
    expect(Array.from(run.result.attacks[0].nonMemberScores)).toEqual([0.7, 0.2]);
    expect(run.result.attacks[0].auc).toBe(0.75);
  });

  it('refuses a corrupt bundle and scores that do not list members first, naming the file', () => {
    const bytes = bundleOf(toScoresCsv(fakeResult(TINY_CONFIG)));
    bytes[bytes.length - 10] ^= 1;
    expect(() => parseBundleFile('class.miab', bytes)).toThrow(/^class\.miab: corrupt/);
    expect(() => parseBundleFile('class.miab', bundleOf('index,member,label,loss\n1,0,4,0.7\n5,1,3,0.9\n'))).toThrow(/class\.miab: its scores\.csv does not list members first/);
    expect(looksLikeBundle(new TextEncoder().encode('{"seed": 1}'))).toBe(false);
  });
});
