import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseExperimentConfig } from '../../src/core/config';
import { DEFENSE_LIST, DEFENSES } from '../../src/core/defenses/registry';
import { validationSliceSize } from '../../src/core/defenses/accounting';
import { computeDpSgdEpsilon } from '../../src/core/privacy/dp-sgd';
import { describeDefenses, setDefenseParameter, sliderRange, toggleDefense } from '../../src/app/defenses/defense-settings';
import { formatEpsilon, liveDpSgdEpsilon } from '../../src/app/defenses/live-epsilon';
import { useConfigStore } from '../../src/app/state/config-store';
import { configToHash, hashToConfig } from '../../src/app/state/url-hash';

const withDefenses = (defenses: object, extra: object = {}) => parseExperimentConfig({ partSize: 1000, target: { epochs: 10, batchSize: 100 }, defenses, ...extra });

describe('DP-SGD ε while the sliders move', () => {
  it('is the accountant on the target part, batch size and epochs', () => {
    const live = liveDpSgdEpsilon(withDefenses({ 'dp-sgd': { noiseMultiplier: 1.1 } }));
    const expected = computeDpSgdEpsilon({ datasetSize: 1000, batchSize: 100, epochs: 10, noiseMultiplier: 1.1, delta: 1e-5 });
    expect(live).toMatchObject({ kind: 'epsilon', epsilon: expected.epsilon, datasetSize: 1000, batchSize: 100, steps: 100, samplingRate: 0.1, poisson: true, upperBound: false });
  });

  it('moves the right way: more noise, smaller ε; more epochs, larger ε', () => {
    const eps = (sigma: number, epochs = 10) => {
      const live = liveDpSgdEpsilon(parseExperimentConfig({ partSize: 1000, target: { epochs, batchSize: 100 }, defenses: { 'dp-sgd': { noiseMultiplier: sigma } } }));
      return live.kind === 'epsilon' ? live.epsilon : NaN;
    };
    expect(eps(0.5)).toBeGreaterThan(eps(1.1));
    expect(eps(1.1)).toBeGreaterThan(eps(3));
    expect(eps(1.1, 20)).toBeGreaterThan(eps(1.1, 10));
    expect(eps(0)).toBe(Infinity);
  });

  it('leaves out the early-stopping validation slice and calls the figure an upper bound', () => {
    expect(validationSliceSize(1000, 0.1)).toBe(100);
    expect(validationSliceSize(10, 0.01)).toBe(1);
    const live = liveDpSgdEpsilon(withDefenses({ 'dp-sgd': {}, 'early-stopping': { validationFraction: 0.2 } }));
    expect(live).toMatchObject({ kind: 'epsilon', datasetSize: 800, upperBound: true });
    const expected = computeDpSgdEpsilon({ datasetSize: 800, batchSize: 100, epochs: 10, noiseMultiplier: 1.1, delta: 1e-5 });
    expect(live.kind === 'epsilon' && live.epsilon).toBe(expected.epsilon);
  });

  it('halves the effective noise for microbatches (twice the sensitivity)', () => {
    const live = liveDpSgdEpsilon(withDefenses({ 'dp-sgd': { noiseMultiplier: 2, microbatchSize: 4 } }));
    expect(live).toMatchObject({ kind: 'epsilon', noiseMultiplier: 2, effectiveNoiseMultiplier: 1 });
  });

  it('says when sampling is not what the accountant assumes', () => {
    expect(liveDpSgdEpsilon(withDefenses({ 'dp-sgd': { sampling: 'shuffle' } }))).toMatchObject({ kind: 'epsilon', poisson: false });
  });

  it('is absent without DP-SGD', () => {
    expect(liveDpSgdEpsilon(DEFAULT_CONFIG)).toEqual({ kind: 'none' });
    expect(formatEpsilon(Infinity)).toBe('ε = ∞');
    expect(formatEpsilon(2.345)).toBe('ε = 2.35');
  });
});

describe('defense settings', () => {
  it('switches a defense on with its registry defaults written out, in registry order, and off again', () => {
    let defenses = toggleDefense({}, 'dp-sgd', true);
    defenses = toggleDefense(defenses, 'top-k', true);
    expect(Object.keys(defenses)).toEqual(['top-k', 'dp-sgd']);
    expect(defenses['dp-sgd']).toEqual(DEFENSES['dp-sgd'].defaults);
    defenses = setDefenseParameter(defenses, 'dp-sgd', 'noiseMultiplier', 2.5);
    expect(defenses['dp-sgd']?.noiseMultiplier).toBe(2.5);
    defenses = toggleDefense(defenses, 'dp-sgd', false);
    expect(defenses).toEqual({ 'top-k': { k: 3 } });
    expect(describeDefenses({ 'top-k': { k: 2 }, 'label-only': {} })).toBe('Top-k scores (k 2) + Label only');
  });

  it('gives every numeric parameter a slider range inside what the config accepts', () => {
    for (const info of DEFENSE_LIST) {
      for (const p of info.parameters) {
        if (p.kind === 'enum') continue;
        const { min, max, step } = sliderRange(p);
        expect(step).toBeGreaterThan(0);
        expect(min).toBeLessThanOrEqual(max);
        for (const value of [min, max]) {
          const config = parseExperimentConfig({ defenses: { [info.id]: { [p.name]: value } }, target: { batchSize: 1024 } });
          expect(config.defenses[info.id]).toBeDefined();
        }
      }
    }
    expect(sliderRange({ name: 'm', label: 'm', kind: 'integer', min: 1, max: 1024, step: 1, description: '' }, 128).max).toBe(128);
  });

  describe('through the config store', () => {
    beforeEach(() => useConfigStore.setState({ config: DEFAULT_CONFIG, problems: [] }));

    it('replaces the defenses section whole, so a defense switched off is gone', () => {
      const store = useConfigStore.getState();
      expect(store.update({ defenses: { l2: { lambda: 0.01 }, dropout: { rate: 0.3 } } })).toBe(true);
      expect(store.update({ defenses: { dropout: { rate: 0.3 } } })).toBe(true);
      expect(useConfigStore.getState().config.defenses).toEqual({ dropout: { rate: 0.3 } });
    });

    it('refuses mixup with DP-SGD, naming why', () => {
      expect(useConfigStore.getState().update({ defenses: { mixup: {}, 'dp-sgd': {} } })).toBe(false);
      expect(useConfigStore.getState().problems.join()).toMatch(/mixup cannot be combined with dp-sgd/);
      expect(useConfigStore.getState().config.defenses).toEqual({});
    });
  });
});

describe('defenses in the URL', () => {
  it('round-trips every defense with its settings, and one with no settings (label-only)', () => {
    const all = Object.fromEntries(DEFENSE_LIST.filter((d) => d.id !== 'mixup').map((d) => [d.id, d.defaults]));
    const config = parseExperimentConfig({ defenses: all });
    const hash = configToHash(config);
    expect(hash).toContain('defenses.label-only=');
    expect(hash).toContain('defenses.dp-sgd.noiseMultiplier=1.1');
    expect(hashToConfig(hash)).toEqual({ kind: 'config', config });
  });

  it('round-trips an empty section and mixup alone', () => {
    for (const defenses of [{ 'label-only': {} }, { 'dp-sgd': {} }, { mixup: { alpha: 0.2 } }, {}]) {
      const config = parseExperimentConfig({ defenses });
      expect(hashToConfig(configToHash(config))).toEqual({ kind: 'config', config });
    }
  });

  it('reads a hand-written defense link, and an empty section never wipes settings read before it', () => {
    const parsed = hashToConfig('#defenses.dp-sgd.noiseMultiplier=2&defenses.dp-sgd=&defenses.label-only=');
    expect(parsed.kind === 'config' && parsed.config.defenses).toEqual({ 'dp-sgd': { noiseMultiplier: 2 }, 'label-only': {} });
    const bad = hashToConfig('#defenses.dp-sgd.noiseMultiplier=-1');
    expect(bad.kind === 'invalid' && bad.problems.join()).toMatch(/defenses\.dp-sgd\.noiseMultiplier/);
  });
});
