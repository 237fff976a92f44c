/**
 * Results made ahead (src/app/state/ahead.ts): the next step of a change that moved one number,
 * forward and back, only for valid configs the caller wants; anything else asks for nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/core/config';
import type { ExperimentResult } from '../../src/core/experiment';
import { configHash } from '../../src/core/hash';
import { HELD, isHeldAhead, keepAhead, nextSteps, nextToggles, singleNumberChange, takeAhead } from '../../src/app/state/ahead';
import { DEFENSES } from '../../src/core/defenses/registry';

const base = parseExperimentConfig({ partSize: 200, defenses: { rounding: { decimals: 2 } } });
const withDefenses = (defenses: object) => parseExperimentConfig({ ...base, defenses });
const everything = () => true;

describe('results made ahead', () => {
  it('steps a moved number once more, forward then back', () => {
    const next = nextSteps(base, withDefenses({ rounding: { decimals: 3 } }), everything);
    expect(next.map((c) => c.defenses.rounding?.decimals)).toEqual([4, 2]);
    // The rest of the config is the changed one's.
    expect(next[0].partSize).toBe(200);
  });

  it('rounds off a float step the way the slider gives it', () => {
    const before = withDefenses({ 'output-noise': { sigma: 0.05 } });
    const after = withDefenses({ 'output-noise': { sigma: 0.1 } });
    expect(nextSteps(before, after, everything).map((c) => c.defenses['output-noise']?.sigma)).toEqual([0.15, 0.05]);
  });

  it('asks nothing for a change that is not one number: a switch, two numbers, the attacks', () => {
    expect(nextSteps(parseExperimentConfig({ ...base, defenses: {} }), base, everything)).toEqual([]);
    expect(nextSteps(base, withDefenses({ rounding: { decimals: 3 }, 'top-k': { k: 2 } }), everything)).toEqual([]);
    expect(nextSteps(base, parseExperimentConfig({ ...base, partSize: 300, seed: base.seed + 1 }), everything)).toEqual([]);
    expect(singleNumberChange(base, parseExperimentConfig({ ...base, attacks: ['loss'] }))).toBeUndefined();
  });

  it('leaves out steps past a field\'s range and those the caller does not want', () => {
    // Rounding keeps 0 to 6 decimals.
    const top = nextSteps(withDefenses({ rounding: { decimals: 4 } }), withDefenses({ rounding: { decimals: 5 } }), everything);
    expect(top.map((c) => c.defenses.rounding?.decimals)).toEqual([6, 4]);
    const held = configHash(withDefenses({ rounding: { decimals: 2 } }));
    const notHeld = nextSteps(base, withDefenses({ rounding: { decimals: 3 } }), (c) => configHash(c) !== held);
    expect(notHeld.map((c) => c.defenses.rounding?.decimals)).toEqual([4]);
  });

  it(`holds the last ${HELD} results, each taken once`, () => {
    const result = (n: number) => ({ n }) as unknown as ExperimentResult;
    const configs = Array.from({ length: HELD + 1 }, (_, i) => withDefenses({ rounding: { decimals: i % 7 }, 'top-k': { k: 1 + Math.floor(i / 7) } }));
    configs.forEach((c, i) => keepAhead(c, result(i)));
    expect(isHeldAhead(configHash(configs[0]))).toBe(false);
    expect(takeAhead(configHash(configs[HELD]))).toEqual(result(HELD));
    expect(takeAhead(configHash(configs[HELD]))).toBeUndefined();
    expect(isHeldAhead(configHash(configs[1]))).toBe(true);
  });

  it('switches each defense as its switch would, on at its defaults or off, in registry order', () => {
    const toggles = nextToggles(base, everything);
    // Rounding is on in `base`: its switch turns it off; the others come on at their defaults.
    expect(toggles[0].defenses).toEqual({ 'output-noise': DEFENSES['output-noise'].defaults, rounding: { decimals: 2 } });
    expect(toggles[1].defenses).toEqual({ 'top-k': DEFENSES['top-k'].defaults, rounding: { decimals: 2 } });
    expect(toggles[2].defenses).toEqual({});
    expect(toggles[3].defenses).toEqual({ rounding: { decimals: 2 }, 'label-only': {} });
    // Every defense has its switch; the rest of the config is untouched.
    expect(toggles).toHaveLength(Object.keys(DEFENSES).length);
    expect(toggles.every((c) => c.partSize === 200 && c.seed === base.seed)).toBe(true);
    // Only those the caller wants (the app: those that need no training).
    const offOnly = nextToggles(base, (c) => Object.keys(c.defenses).length === 0);
    expect(offOnly.map((c) => c.defenses)).toEqual([{}]);
    // A switch the config refuses is left out: mixup cannot join DP-SGD.
    const private_ = withDefenses({ 'dp-sgd': DEFENSES['dp-sgd'].defaults });
    const switched = nextToggles(private_, everything).map((c) => Object.keys(c.defenses).sort().join('+'));
    expect(switched).toHaveLength(Object.keys(DEFENSES).length - 1);
    expect(switched).not.toContain('dp-sgd+mixup');
    expect(switched).toContain('');
  });
});
