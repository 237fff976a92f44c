import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { configHash } from '../../src/core/hash';
import { ImportError, configJsonText, parseImportedFile, resultsJsonText } from '../../src/app/state/import-export';
import { TINY_CONFIG, fakeResult } from './fixtures';

describe('import and export', () => {
  it('reads back an exported results file: figures, curves and config, without per-record scores', () => {
    const result = fakeResult(TINY_CONFIG);
    const imported = parseImportedFile('results.json', resultsJsonText(result), 42);
    expect(imported.kind).toBe('results');
    if (imported.kind !== 'results') return;
    const { run } = imported;
    expect(run).toMatchObject({ hash: configHash(TINY_CONFIG), config: TINY_CONFIG, finishedAt: 42, origin: 'import' });
    expect(run.result.target).toEqual(result.target);
    expect(run.result.shadows).toEqual(result.shadows);
    const [attack] = run.result.attacks;
    expect(attack).toMatchObject({ name: 'loss', auc: 0.75, roc: result.attacks[0].roc, tprAtFpr: result.attacks[0].tprAtFpr });
    // JSON has no Infinity: results.json writes the threshold as the string "Infinity", read back as Infinity.
    expect(attack.threshold).toBe(Infinity);
    expect(attack.memberScores).toHaveLength(0);
  });

  it('reads a config file into a validated config', () => {
    const imported = parseImportedFile('c.json', configJsonText(TINY_CONFIG));
    expect(imported).toEqual({ kind: 'config', config: TINY_CONFIG });
    expect(parseImportedFile('partial.json', '{"seed": 4}')).toEqual({ kind: 'config', config: { ...DEFAULT_CONFIG, seed: 4 } });
  });

  it('refuses bad files by name, listing the bad fields', () => {
    expect(() => parseImportedFile('x.json', 'nope')).toThrow(/^x\.json: is not JSON/);
    expect(() => parseImportedFile('x.json', '[1]')).toThrow(ImportError);
    try {
      parseImportedFile('bad.json', '{"seed": -3}');
      expect.unreachable();
    } catch (error) {
      expect((error as ImportError).message).toMatch(/^bad\.json/);
      expect((error as ImportError).problems.join()).toMatch(/config\.seed/);
    }
  });
});
