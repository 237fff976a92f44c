/**
 * Interactive by construction, in a real browser: the ROC curves and the leakage chart move while
 * the target trains (caught mid-run with Pause, so a busy machine cannot make the test miss them),
 * and after the run an output defense toggled on the page re-runs without training a model —
 * also after a reload, from IndexedDB alone — and a stepped control's next step is made ahead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/core/config';
import { nextToggles } from '../../src/app/state/ahead';
import { configToHash, hashToConfig } from '../../src/app/state/url-hash';
import { configHash } from '../../src/core/hash';
import { openLab, RUN, STATE, type Lab } from './harness';

const CONFIG = parseExperimentConfig({
  seed: 8,
  partSize: 150,
  target: { architecture: 'mlp', epochs: 40, batchSize: 32, learningRate: 0.002 },
  shadow: { architecture: 'mlp', epochs: 1, batchSize: 32, learningRate: 0.002 },
  attacks: ['random', 'correctness', 'loss', 'confidence', 'modified-entropy'],
});

describe('live attack curves and instant output defenses', { timeout: 900_000 }, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await openLab();
  }, 600_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('draws the ROC and the leakage over training while the target trains', async () => {
    const { page, baseUrl } = lab;
    await page.goto(`${baseUrl}${configToHash(CONFIG, 'wasm')}`);
    await expect.poll(() => page.getByTestId('part-size').inputValue(), STATE).toBe('150');
    // Pause at once, then step epoch by epoch until the target's curves show: a loaded machine
    // only slows the steps down, it cannot let the run finish under the test's nose.
    await page.getByTestId('run').click();
    await page.getByTestId('pause').click();
    const paused = page.locator('[data-testid="run-status"][data-pause="paused"]');
    const trained = async () => Number(await page.getByTestId('run-status').getAttribute('data-epochs-trained'));
    await paused.waitFor(RUN);
    for (let steps = 0; (await page.getByTestId('live-roc').count()) === 0; steps++) {
      expect(steps, 'steps before the target trains').toBeLessThan(10);
      const before = await trained();
      await page.getByTestId('step').click();
      await expect.poll(trained, RUN).toBeGreaterThan(before);
      await paused.waitFor(RUN);
    }
    const caption = (await page.getByTestId('live-caption').textContent()) ?? '';
    const epoch = Number(/epoch (\d+) of 40/.exec(caption)?.[1]);
    console.info(`e2e: paused mid-run at "${caption}"`);
    expect(epoch).toBeGreaterThanOrEqual(1);
    expect(epoch).toBeLessThan(10);
    // The shadow trains in the training pool while the target trains here (workers/training-pool.ts):
    // until it is done the curves say so, and the next snapshot after it carries its thresholds.
    const live = async () => (await page.getByTestId('live-caption').textContent()) ?? '';
    expect(caption).toMatch(/no shadow threshold yet|thresholds from the shadow models/);
    for (let steps = 0; !(await live()).includes('thresholds from the shadow models'); steps++) {
      expect(steps, 'steps before the shadow thresholds join the live curves').toBeLessThan(45);
      const before = await trained();
      await page.getByTestId('step').click();
      await expect.poll(trained, RUN).toBeGreaterThan(before);
      await paused.waitFor(RUN);
    }
    console.info(`e2e: shadow thresholds live at "${await live()}"`);
    console.info('e2e: checking the live charts');
    // Drawn light while training (plain SVG polylines): one per attack plus the chance diagonal.
    const curves = () => page.locator('[data-testid="live-roc"] polyline').count();
    await expect.poll(curves, STATE).toBe(CONFIG.attacks.length + 1);
    await expect.poll(() => page.locator('[data-testid="leakage-chart"] polyline').count(), STATE).toBeGreaterThan(0);
    // The target's path on the gap chart: the (1 + g)/2 line and one path per threshold attack.
    await expect.poll(() => page.locator('[data-testid="live-gap"] polyline').count(), STATE).toBeGreaterThan(1);
    console.info('e2e: resuming');
    await page.getByTestId('resume').click();
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor(RUN);
    // The final charts replace the live ones.
    await page.getByTestId('results-table').waitFor(STATE);
    expect(await page.getByTestId('live-roc').count()).toBe(0);
    expect(Number(await page.getByTestId('run-status').getAttribute('data-epochs-trained'))).toBeGreaterThanOrEqual(41);
    expect(lab.pageErrors).toEqual([]);
  });

  it('re-runs an output defense from cached models, before and after a reload', async () => {
    const { page } = lab;
    const aucs = () => page.locator('[data-testid="results-table"] td[data-metric="auc"]').allTextContents();
    const before = await aucs();
    const shownRun = () => page.getByTestId('result-summary').getAttribute('data-run');
    const toggle = async (id: string) => {
      const previous = await shownRun();
      const started = Date.now();
      await page.getByTestId(id).check();
      // The table shows a new run, for these settings, and the run that made it trained nothing.
      await expect.poll(shownRun, RUN).not.toBe(previous);
      await page.locator('[data-testid="result-summary"][data-stale="false"]').waitFor(STATE);
      expect(await page.getByTestId('run-status').getAttribute('data-epochs-trained')).toBe('0');
      expect(await page.getByTestId('stale-notice').count()).toBe(0);
      console.info(`e2e: ${id} re-ran without training, table redrawn ${Date.now() - started} ms after the click`);
    };
    await toggle('defense-label-only');
    // Label-only: the score attacks are not applicable any more, and nothing was trained to find out.
    await expect.poll(() => page.locator('[data-testid="results-table"] tr[data-not-applicable="true"]').count(), STATE).toBeGreaterThan(0);
    await page.getByTestId('defense-label-only').uncheck();
    await page.reload();
    await page.getByTestId('results-table').waitFor(STATE);
    expect(await aucs()).toEqual(before);
    await toggle('defense-top-k');
    expect(lab.pageErrors).toEqual([]);
  });

  it('keeps a re-run\'s result when the page is reloaded the moment it is shown', async () => {
    const { page } = lab;
    const shownRun = () => page.getByTestId('result-summary').getAttribute('data-run');
    const previous = await shownRun();
    await page.getByTestId('defense-rounding').check();
    await expect.poll(shownRun, RUN).not.toBe(previous);
    await page.locator('[data-testid="result-summary"][data-stale="false"]').waitFor(STATE);
    const rounded = await shownRun();
    // At once: the save may still wait for an idle moment (when-idle.ts); then the unload writes it.
    await page.reload();
    await page.getByTestId('results-table').waitFor(STATE);
    expect(await shownRun()).toBe(rounded);
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('idle');
    expect(lab.pageErrors).toEqual([]);
  });

  it('makes a stepped control\'s next result ahead, and shows it without a run', async () => {
    const { page } = lab;
    const shownRun = () => page.getByTestId('result-summary').getAttribute('data-run');
    const count = (mark: string) => page.evaluate((name) => performance.getEntriesByName(name).length, mark);
    const step = async (decimals: string) => {
      const previous = await shownRun();
      await page.getByTestId('defense-rounding-decimals').fill(decimals);
      await expect.poll(shownRun, RUN).not.toBe(previous);
      await page.locator('[data-testid="result-summary"][data-stale="false"]').waitFor(STATE);
    };
    // Rounding is on at 1 decimal (the test before): two steps run, and tell the page the step is +1.
    await step('2');
    await step('3');
    await expect.poll(() => count('mia:ahead-kept'), RUN).toBeGreaterThan(0);
    const runs = await count('mia:run-start');
    await step('4');
    expect(await count('mia:run-start')).toBe(runs);
    expect(await page.getByTestId('run-status').getAttribute('data-epochs-trained')).toBe('0');
    expect(lab.pageErrors).toEqual([]);
  });

  it('makes a defense switch\'s result ahead once the controls are still, and shows it without a run', async () => {
    const { page } = lab;
    const parsed = hashToConfig(new URL(page.url()).hash);
    if (parsed.kind !== 'config') throw new Error(`the page's link holds no config: ${parsed.kind}`);
    // Output noise's switch comes first in the registry; it has not been on in this file.
    const [noiseOn] = nextToggles(parsed.config, () => true);
    expect(noiseOn.defenses['output-noise']).toBeDefined();
    const made = () => page.evaluate((hash) => performance.getEntriesByName('mia:ahead-kept').some((m) => (m as PerformanceMark).detail === hash), configHash(noiseOn));
    await expect.poll(made, RUN).toBe(true);
    const runs = await page.evaluate(() => performance.getEntriesByName('mia:run-start').length);
    const previous = await page.getByTestId('result-summary').getAttribute('data-run');
    await page.getByTestId('defense-output-noise').check();
    await expect.poll(() => page.getByTestId('result-summary').getAttribute('data-run'), RUN).toBe(configHash(noiseOn));
    expect(previous).not.toBe(configHash(noiseOn));
    expect(await page.evaluate(() => performance.getEntriesByName('mia:run-start').length)).toBe(runs);
    expect(await page.getByTestId('run-status').getAttribute('data-epochs-trained')).toBe('0');
    expect(lab.pageErrors).toEqual([]);
  });
});
