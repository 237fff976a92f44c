import { describe, expect, it } from 'vitest';
import {
  DEFENSES,
  DEFENSE_CONFIG_SPEC,
  DEFENSE_IDS,
  DEFENSE_LIST,
  findDefenseProblems,
  resolveDefenses,
} from '../../src/core/defenses/registry';
import { findProblems, type FieldSpec } from '../../src/core/schema';

describe('defense registry', () => {
  it('has an entry with a cited explanation and in-range defaults for every id', () => {
    expect(DEFENSE_LIST.map((d) => d.id)).toEqual([...DEFENSE_IDS]);
    for (const info of DEFENSE_LIST) {
      expect(info.explanation).toMatch(/arXiv:\d{4}\.\d{4,5}/);
      for (const ref of info.references) expect(info.explanation).toContain(`arXiv:${ref}`);
      const spec = DEFENSE_CONFIG_SPEC as Extract<FieldSpec, { kind: 'object' }>;
      expect(findProblems(info.defaults, spec.fields[info.id], info.id)).toEqual([]);
      expect(Object.keys(info.defaults).sort()).toEqual(info.parameters.map((p) => p.name).sort());
    }
  });

  it('says flips are wrong for digits', () => {
    const flip = DEFENSES.augmentation.parameters.find((p) => p.name === 'flip');
    expect(flip?.description).toMatch(/wrong for digits/i);
  });

  it('validates a config, naming each bad field', () => {
    expect(findProblems({ 'top-k': { k: 3 }, 'dp-sgd': {}, 'label-only': {} }, DEFENSE_CONFIG_SPEC, 'config.defenses')).toEqual([]);
    expect(findProblems({ 'top-k': { k: 0 }, mixup: { alpha: 0 }, 'dp-sgd': { sampling: 'fixed' }, shield: {} }, DEFENSE_CONFIG_SPEC, 'config.defenses')).toEqual([
      expect.stringContaining('config.defenses.shield: unknown field'),
      'config.defenses.top-k.k: must be in [1, 100], got 0',
      'config.defenses.mixup.alpha: must be in (0, 4], got 0',
      expect.stringContaining('config.defenses.dp-sgd.sampling: must be one of "poisson", "shuffle"'),
    ]);
  });

  it('fills missing parameters from the defaults', () => {
    expect(resolveDefenses({ 'dp-sgd': { noiseMultiplier: 2 }, l2: {} })).toEqual({
      'dp-sgd': { clipNorm: 1, noiseMultiplier: 2, microbatchSize: 1, sampling: 'poisson' },
      l2: { lambda: 1e-3 },
    });
  });

  it('refuses mixup with DP-SGD and microbatches larger than the batch', () => {
    expect(findDefenseProblems({ mixup: {}, 'dp-sgd': { microbatchSize: 64 } }, { batchSize: 32 })).toEqual([
      expect.stringContaining('mixup cannot be combined with dp-sgd'),
      'config.defenses.dp-sgd.microbatchSize: 64 exceeds the batch size 32',
    ]);
    expect(findDefenseProblems({ mixup: {}, l2: {} })).toEqual([]);
  });
});
