import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, PRESETS, parseExperimentConfig, presetConfig } from '../src/core/config';
import { ConfigError } from '../src/core/schema';

function problemsOf(input: unknown): readonly string[] {
  try {
    parseExperimentConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('parseExperimentConfig', () => {
  it('fills omitted fields from the defaults', () => {
    const config = parseExperimentConfig({ seed: 7 });
    expect(config.seed).toBe(7);
    expect(config.target).toEqual(DEFAULT_CONFIG.target);
    expect(config.attacks).toEqual(DEFAULT_CONFIG.attacks);
  });

  it('makes the shadow follow the target when the shadow is not given', () => {
    const config = parseExperimentConfig({ target: { architecture: 'cnn', epochs: 3 } });
    expect(config.shadow.architecture).toBe('cnn');
    expect(config.shadow.epochs).toBe(3);
    const separate = parseExperimentConfig({ target: { architecture: 'cnn' }, shadow: { architecture: 'mlp' } });
    expect(separate.shadow.architecture).toBe('mlp');
  });

  it('refuses an unknown key and names it', () => {
    expect(problemsOf({ target: { epoch: 3 } })).toEqual([expect.stringContaining('config.target.epoch: unknown field')]);
    expect(problemsOf({ sed: 1 })[0]).toContain('config.sed: unknown field');
  });

  it('refuses a wrong type and names the field', () => {
    expect(problemsOf({ target: { epochs: '10' } })[0]).toMatch(/^config\.target\.epochs: expected a number/);
    expect(problemsOf({ attacks: 'loss' })[0]).toMatch(/^config\.attacks: expected an array/);
    expect(problemsOf([])[0]).toMatch(/expected a JSON object/);
  });

  it('refuses out-of-range values and names the field', () => {
    expect(problemsOf({ target: { epochs: 0 } })[0]).toMatch(/^config\.target\.epochs: must be in \[1, 500\], got 0/);
    expect(problemsOf({ target: { learningRate: 0 } })[0]).toMatch(/^config\.target\.learningRate: must be in \(0/);
    expect(problemsOf({ seed: 1.5 })[0]).toMatch(/^config\.seed: expected an integer/);
    expect(problemsOf({ target: { architecture: 'vgg' } })[0]).toMatch(/^config\.target\.architecture: must be one of "mlp"/);
    expect(problemsOf({ attacks: ['loss', 'loss'] })[0]).toMatch(/^config\.attacks: items must not repeat/);
    expect(problemsOf({ attacks: ['lira'] })[0]).toMatch(/^config\.attacks\[0\]: must be one of/);
  });

  it('caps the part size at a quarter of a built-in dataset', () => {
    expect(parseExperimentConfig({ partSize: 17_500 }).partSize).toBe(17_500);
    expect(problemsOf({ partSize: 17_501 })[0]).toMatch(/^config\.partSize: at most a quarter of mnist \(17500\)/);
  });

  it('requires files for a custom dataset, and only then', () => {
    expect(problemsOf({ dataset: { name: 'custom' } })[0]).toMatch(/^config\.dataset\.files: required/);
    expect(problemsOf({ dataset: { name: 'mnist', files: ['a'] } })[0]).toMatch(/^config\.dataset\.files: only allowed/);
    expect(parseExperimentConfig({ dataset: { name: 'custom', files: ['cifar-10-binary.tar.gz'] } }).dataset.files).toHaveLength(1);
  });

  it('lists every problem at once', () => {
    expect(problemsOf({ seed: -1, target: { epochs: 0, batchSize: 0 } })).toHaveLength(3);
  });
});

describe('shadow, reference and attack-model settings', () => {
  it('makes the reference models follow the target unless given', () => {
    const config = parseExperimentConfig({ target: { epochs: 7, architecture: 'cnn' }, reference: { count: 6 } });
    expect(config.reference).toMatchObject({ epochs: 7, architecture: 'cnn', count: 6, fixedVariance: true });
    expect(config.shadow).toMatchObject({ epochs: 7, architecture: 'cnn', count: 1 });
  });

  it('reports a bad target value once, not again for the sections that copy it', () => {
    expect(problemsOf({ target: { epochs: 0 } })).toEqual(['config.target.epochs: must be in [1, 500], got 0']);
  });

  it('refuses an odd number of reference models for the online attacks, a hidden size off the sweep, a custom shadow dataset without files', () => {
    expect(problemsOf({ reference: { count: 5 }, attacks: ['lira-online'] })[0]).toMatch(/config\.reference\.count: must be even/);
    expect(parseExperimentConfig({ reference: { count: 5 }, attacks: ['lira-offline'] }).reference.count).toBe(5);
    expect(problemsOf({ mlAttack: { hiddenUnits: 64 } })[0]).toMatch(/config\.mlAttack\.hiddenUnits: one of 10, 20, 50/);
    expect(problemsOf({ shadow: { dataset: { name: 'custom' } } })[0]).toMatch(/config\.shadow\.dataset\.files: required/);
    expect(problemsOf({ reference: { fixedVariance: 'yes' } })[0]).toMatch(/config\.reference\.fixedVariance: expected true or false/);
  });
});

describe('presets', () => {
  it('are all valid configs', () => {
    for (const name of Object.keys(PRESETS)) expect(() => presetConfig(name)).not.toThrow();
  });

  it('refuses an unknown preset by name', () => {
    expect(() => presetConfig('huge')).toThrow(/unknown preset "huge"/);
  });
});
