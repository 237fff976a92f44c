import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { LESSONS, clampStep, findLesson, lessonConfig, lessonHash, mergeSettings } from '../../src/app/lessons/lessons';
import { useConfigStore } from '../../src/app/state/config-store';
import { useUiStore } from '../../src/app/state/ui-store';
import { CONTROL_GROUPS, configToHash, hashToConfig } from '../../src/app/state/url-hash';
import { applyHash, currentHash, goToLesson } from '../../src/app/state/url-sync';

describe('lessons', () => {
  it('has at least three, each with valid settings at every step and known control groups', () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(3);
    expect(LESSONS.map((l) => l.id)).toEqual(expect.arrayContaining(['overfitting', 'shadows', 'dp-sgd']));
    for (const lesson of LESSONS) {
      lesson.steps.forEach((_, step) => expect(() => lessonConfig(lesson, step)).not.toThrow());
      for (const group of [...lesson.hide, ...lesson.lock]) expect(CONTROL_GROUPS).toContain(group);
    }
  });

  it('builds each step on the ones before it', () => {
    const overfitting = findLesson('overfitting')!;
    expect(lessonConfig(overfitting, 0)).toMatchObject({ partSize: 1000, target: { architecture: 'mlp', epochs: 80 } });
    expect(lessonConfig(overfitting, 0).shadow.epochs).toBe(80);
    expect(lessonConfig(overfitting, 2)).toMatchObject({ partSize: 5000, target: { epochs: 30 } });
    const dp = findLesson('dp-sgd')!;
    expect(lessonConfig(dp, 0).defenses).toEqual({});
    expect(lessonConfig(dp, 2).defenses['dp-sgd']).toEqual({ clipNorm: 1, noiseMultiplier: 0.5, microbatchSize: 1, sampling: 'poisson' });
    expect(clampStep(dp, 99)).toBe(dp.steps.length - 1);
    expect(mergeSettings({ a: { b: 1, c: [1] } }, { a: { c: [2] } })).toEqual({ a: { b: 1, c: [2] } });
  });

  it('parses lesson links, hide and lock flags, and refuses unknown groups by name', () => {
    expect(hashToConfig('#lesson=shadows&step=2')).toEqual({ kind: 'empty', lesson: { id: 'shadows', step: 2 } });
    expect(hashToConfig(lessonHash(findLesson('dp-sgd')!, 1))).toEqual({ kind: 'empty', lesson: { id: 'dp-sgd', step: 1 } });
    expect(hashToConfig('#hide=defenses,advanced&lock=dataset&view=suites')).toEqual({ kind: 'empty', hide: ['defenses', 'advanced'], lock: ['dataset'], view: 'suites' });
    const bad = hashToConfig('#hide=everything&step=-1&view=nowhere');
    expect(bad.kind).toBe('invalid');
    expect(bad.kind === 'invalid' && bad.problems.join('\n')).toMatch(/hide: unknown control group\(s\) everything[\s\S]*step[\s\S]*view/);
  });

  it('writes the page keys into the hash and reads them back with the config', () => {
    const hash = configToHash(DEFAULT_CONFIG, 'wasm', { lesson: { id: 'overfitting', step: 1 }, hide: ['shadow'], lock: ['dataset'], view: 'lab' });
    expect(hash.startsWith('#lesson=overfitting&step=1&hide=shadow&lock=dataset&')).toBe(true);
    expect(hashToConfig(hash)).toEqual({ kind: 'config', config: DEFAULT_CONFIG, backend: 'wasm', lesson: { id: 'overfitting', step: 1 }, hide: ['shadow'], lock: ['dataset'] });
  });

  describe('applied to the page', () => {
    beforeEach(() => {
      useConfigStore.setState({ config: DEFAULT_CONFIG, problems: [] });
      useUiStore.setState({ messages: [], lesson: undefined, hidden: [], locked: [], view: 'lab' });
    });
    afterEach(() => goToLesson(undefined));

    it('a bare lesson link sets the controls and the lesson’s hide and lock flags', () => {
      applyHash('#lesson=overfitting&step=2');
      const lesson = findLesson('overfitting')!;
      expect(useConfigStore.getState().config).toEqual(lessonConfig(lesson, 2));
      expect(useUiStore.getState()).toMatchObject({ lesson: { id: 'overfitting', step: 2 }, hidden: lesson.hide, locked: lesson.lock });
      // The page writes the lesson back with every setting, so a reload keeps the student's changes.
      expect(currentHash()).toMatch(/^#lesson=overfitting&step=2&hide=/);
      expect(hashToConfig(currentHash())).toMatchObject({ kind: 'config', config: lessonConfig(lesson, 2) });
    });

    it('a lesson link that holds settings keeps them, and its own hide flags win', () => {
      applyHash('#lesson=overfitting&step=0&hide=seed&seed=9');
      expect(useConfigStore.getState().config.seed).toBe(9);
      expect(useUiStore.getState().hidden).toEqual(['seed']);
    });

    it('steps change the settings only where the step says so', () => {
      goToLesson('overfitting', 0);
      useConfigStore.getState().update({ seed: 5 });
      goToLesson('overfitting', 1);
      expect(useConfigStore.getState().config.seed).toBe(5);
      goToLesson('overfitting', 2);
      expect(useConfigStore.getState().config.partSize).toBe(5000);
      goToLesson(undefined);
      expect(useUiStore.getState()).toMatchObject({ lesson: undefined, hidden: [], locked: [] });
    });

    it('names an unknown lesson', () => {
      applyHash('#lesson=astrology');
      expect(useUiStore.getState().messages.at(-1)?.text).toMatch(/astrology/);
      expect(useUiStore.getState().lesson).toBeUndefined();
    });
  });
});
