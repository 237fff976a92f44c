/**
 * The browser app end to end, in Debian's headless Chromium (/usr/bin/chromium): build the app,
 * serve it on 127.0.0.1, and drive it through the UI like a student would. A tiny experiment
 * (100 records per part, 2 epochs, an MLP) trains in the Web Worker on WebGPU; then a reload
 * restores it from IndexedDB without retraining, a corrupt upload is refused by name, and cancel
 * stops a long run and leaves the page usable. Then the defenses (live ε, not-applicable attacks,
 * the price and the privacy figures), pause / step / resume / cancel through the worker's gate,
 * chart export, a lesson link, and one quick suite run to the end with a stop and a resume in the
 * middle. Needs Chromium (scripts/ensure-chromium.mjs installs it before npm test).
 *
 * Robust under load (scripts/e2e-soak.sh runs this file again and again beside the other tests and
 * a CPU hog): every wait is for a state, with a generous timeout, never for the page to be idle or
 * fast. Main-thread long tasks (over 50 ms) are recorded throughout and reported per test.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseExperimentConfig } from '../../src/core/config';
import { getSuite } from '../../src/core/suites/suites';
import { runExperiment } from '../../src/core/experiment';
import { loadDataset } from '../../src/node/load-dataset';
import { configToHash } from '../../src/app/state/url-hash';
import { LONG_TASK_OBSERVER, readLongTasks, summariseLongTasks } from './long-tasks';
import { forgetBackendProbes, serveBuiltApp } from './harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TINY = parseExperimentConfig({
  seed: 3,
  partSize: 100,
  target: { architecture: 'mlp', epochs: 2, batchSize: 32, learningRate: 0.001 },
});
/** Waits for a state: long enough for a 2-core machine under a CPU hog, never a timing claim. */
const STATE = { timeout: 120_000 };
const RUN = { timeout: 600_000 };

describe('the app in headless Chromium', { timeout: 900_000 }, () => {
  let outDir: string;
  let server: PreviewServer;
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'mia-lab-e2e-'));
    server = await serveBuiltApp(outDir);
    baseUrl = server.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
    context = await browser.newContext();
    await context.addInitScript(LONG_TASK_OBSERVER);
    page = await context.newPage();
    page.setDefaultTimeout(STATE.timeout);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('runs a tiny experiment on WebGPU in the worker and shows the table, ROC and gap charts', async () => {
    await page.goto(`${baseUrl}${configToHash(TINY, 'webgpu')}`);
    await expect.poll(() => page.getByTestId('part-size').inputValue(), STATE).toBe('100');
    const started = Date.now();
    await page.getByTestId('run').click();
    await page.getByTestId('results-table').waitFor(RUN);
    const seconds = (Date.now() - started) / 1000;
    expect(await page.getByTestId('backend-active').getAttribute('data-backend')).toBe('webgpu');
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('done');
    const rows = page.locator('[data-testid="results-table"] tbody tr');
    expect(await rows.count()).toBe(TINY.attacks.length);
    const aucs = await page.locator('[data-testid="results-table"] td[data-metric="auc"]').allTextContents();
    // Every AUC carries its 95 % interval beside it, `[lower, upper]`, marked with * when wider than the AUC itself.
    const intervals = await page.locator('[data-testid="results-table"] td[data-interval="auc"]').allTextContents();
    expect(intervals).toHaveLength(TINY.attacks.length);
    for (const interval of intervals) expect(interval).toMatch(/^\[\d\.\d{3}, \d\.\d{3}\]\*?$/);
    // One curve per attack plus the chance diagonal, drawn as SVG paths (charts draw one per task: wait for them).
    const rocCurves = () => page.locator('[data-testid="roc-chart"] polyline.plot-line').count();
    await expect.poll(rocCurves, STATE).toBe(TINY.attacks.length + 1);
    await expect.poll(() => page.locator('[data-testid="gap-chart"] circle.plot-point').count(), STATE).toBe(TINY.attacks.length);
    await page.getByTestId('roc-log').click();
    await expect.poll(rocCurves, STATE).toBe(TINY.attacks.length + 1);
    expect(await page.getByTestId('stale-notice').count()).toBe(0);
    // The same config and seed in Node (the CLI's engine, cpu backend) gives the same figures.
    const node = await runExperiment(TINY, { loadDataset });
    const nodeAucs = node.attacks.map((a) => a.auc);
    aucs.forEach((auc, i) => expect(Number(auc)).toBeCloseTo(nodeAucs[i], 1));
    const summary = (await page.getByTestId('result-summary').textContent()) ?? '';
    expect(summary).toContain(`train accuracy ${node.target.trainAccuracy.toFixed(3)}`);
    console.info(`e2e: AUCs browser ${aucs.join(' ')} vs Node ${nodeAucs.map((a) => a.toFixed(3)).join(' ')}`);
    console.info(`e2e: tiny experiment on ${await page.getByTestId('backend-active').textContent()} in ${seconds.toFixed(1)} s`);
    // The worker kept what the trained target and shadow became (weights, history, logits) in the
    // stage cache of this origin's IndexedDB: one entry each, nothing else for metric attacks.
    const stored = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('mia-lab');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const count = open.result.transaction('blobs').objectStore('blobs').count();
            count.onsuccess = () => resolve(count.result);
            count.onerror = () => reject(count.error);
          };
        }),
    );
    expect(stored).toBe(2);
    expect(pageErrors).toEqual([]);
  });

  it('restores the results from IndexedDB after a reload, without retraining', async () => {
    await page.reload();
    await page.getByTestId('results-table').waitFor(STATE);
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('idle');
    expect(await page.locator('[data-testid="results-table"] tbody tr').count()).toBe(TINY.attacks.length);
    // The curves come back too (IndexedDB keeps them packed flat: shared/packed-result.ts).
    await expect.poll(() => page.locator('[data-testid="roc-chart"] polyline.plot-line').count(), STATE).toBe(TINY.attacks.length + 1);
    // Changing a control makes the charts say they are stale.
    await page.getByTestId('seed').fill('4');
    await page.getByTestId('stale-notice').first().waitFor(STATE);
    expect(page.url()).toContain('seed=4');
  });

  it('on auto, times the backends here, runs the fastest (wasm when WebGPU is only a software adapter), remembers it and re-measures on demand', async () => {
    const auto = parseExperimentConfig({ ...TINY, seed: 21 });
    await page.goto('about:blank');
    await page.goto(`${baseUrl}${configToHash(auto, 'auto')}`);
    await expect.poll(() => page.getByTestId('seed').inputValue(), STATE).toBe('21');
    // Forget any measurement an earlier run in this profile left, so this run measures.
    await forgetBackendProbes(page);
    const probe = page.getByTestId('backend-probe');
    const runAuto = async (source: 'measured' | 'remembered') => {
      await page.getByTestId('run').click();
      await page.locator(`[data-testid="backend-probe"][data-source="${source}"]`).waitFor(RUN);
      await page.locator('[data-testid="run-status"][data-status="done"]').waitFor(RUN);
    };
    await runAuto('measured');
    // What is right depends on the machine: the backend that runs is the one measured fastest here.
    const reported = page.getByTestId('backend-active');
    const adapter = await reported.getAttribute('data-adapter');
    const active = await reported.getAttribute('data-backend');
    const figures = (await probe.textContent()) ?? '';
    console.info(`e2e: auto on this machine: adapter ${adapter}, backend ${active}; ${figures}; probe ${await probe.getAttribute('data-probe-ms')} ms`);
    console.info(`e2e: probe timings ${await probe.getAttribute('data-timings')}`);
    expect(await probe.getAttribute('data-winner')).toBe(active);
    // wasm carries its thread count on a crossOriginIsolated page ("wasm (1 thread)", tests/browser/isolation.e2e.test.ts).
    expect(figures).toMatch(new RegExp(`^auto: ${active}( \\(\\d+ threads?\\))? — measured [\\d,]+ samples/s`));
    if (adapter === 'software') {
      // SwiftShader: WebGPU was timed beside wasm and lost (25–30× slower in npm run bench).
      expect(active).toBe('wasm');
      expect(figures).toMatch(/webgpu ([\d,]+ samples\/s|did not run)/);
    } else if (adapter === 'hardware') {
      // A real GPU may win or lose to wasm on a tiny MLP: either is right if the figures say so.
      expect(['webgpu', 'webgl', 'wasm']).toContain(active);
    } else {
      expect(adapter).toBe('none');
      expect(['webgl', 'wasm']).toContain(active);
    }
    // A later auto run uses the remembered measurement without timing again.
    await runAuto('remembered');
    expect(await reported.getAttribute('data-backend')).toBe(active);
    expect(await probe.getAttribute('data-winner')).toBe(active);
    // Re-measure forgets it: the next auto run measures again.
    await page.getByTestId('backend-remeasure').click();
    await page.getByText(/the next run on auto times the backends again/).waitFor(STATE);
    await runAuto('measured');
    expect(pageErrors).toEqual([]);
  });

  it('refuses a corrupt upload with a message naming the file', async () => {
    await page.getByTestId('dataset-files').setInputFiles([
      { name: 'train-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: Buffer.from('not an idx file at all') },
      { name: 'train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 0]) },
    ]);
    await expect.poll(() => page.getByTestId('dataset').inputValue(), STATE).toBe('custom');
    await page.getByTestId('run').click();
    const error = page.getByTestId('run-error');
    await error.waitFor(STATE);
    expect(await error.textContent()).toMatch(/train-(images|labels)-idx[13]-ubyte/);
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
  });

  it('cancels a long run mid-training and leaves the page usable', async () => {
    const long = parseExperimentConfig({ seed: 1, partSize: 500, target: { architecture: 'mlp', epochs: 300, batchSize: 16 } });
    // A hash-only navigation followed by a reload can land on the previous address: go via about:blank.
    await page.goto('about:blank');
    await page.goto(`${baseUrl}${configToHash(long, 'cpu')}`);
    await expect.poll(() => page.getByTestId('part-size').inputValue(), STATE).toBe('500');
    await page.getByTestId('run').click();
    // Training has begun (the pipeline trains the shadow models first, then the target).
    await page.locator('[data-testid^="stage-train-"][data-status="running"]').first().waitFor(STATE);
    const clicked = Date.now();
    await page.getByTestId('cancel').click();
    await page.locator('[data-testid="run-status"][data-status="cancelled"]').waitFor(STATE);
    console.info(`e2e: cancel took effect in ${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    // The worker stopped itself at a batch boundary; it did not have to be terminated.
    expect(await page.getByText('so it was terminated').count()).toBe(0);
    // The page still answers: a control can be changed and is written to the URL.
    await page.getByTestId('part-size').fill('120');
    await expect.poll(() => page.url(), STATE).toContain('partSize=120');
    expect(pageErrors).toEqual([]);
  });

  /**
   * A fresh page load of `hash`. (goto to a URL that differs only in its hash is a same-document
   * navigation, and a reload right after it sometimes reloaded the previous address.)
   */
  async function openFresh(hash: string): Promise<void> {
    await page.goto('about:blank');
    await page.goto(`${baseUrl}${hash}`);
  }

  /** The target's epoch as the stage row shows it ("epoch 3/6"), or 0 before the first. */
  async function targetEpoch(): Promise<number> {
    const text = (await page.getByTestId('stage-train-target').textContent()) ?? '';
    return Number(/epoch (\d+)\//.exec(text)?.[1] ?? 0);
  }

  /** Epochs trained so far by every model of the run (the run panel's count). */
  async function epochsTrained(): Promise<number> {
    return Number(await page.getByTestId('run-status').getAttribute('data-epochs-trained'));
  }

  /** epochsTrained once it has not moved for half a second: after a pause, the epochs in progress are done. */
  async function settledEpochs(): Promise<number> {
    let last = -1;
    let now = await epochsTrained();
    while (now !== last) {
      last = now;
      await page.waitForTimeout(500);
      now = await epochsTrained();
    }
    return now;
  }

  it('defends the target: live ε, pause and step, not-applicable attacks, the price, ε beside the strongest attack, chart export', async () => {
    const defended = parseExperimentConfig({
      seed: 2,
      partSize: 100,
      // Long enough that a pause clicked right after Run lands mid-training (the page's warm-up lets it start at once).
      target: { architecture: 'mlp', epochs: 60, batchSize: 25 },
      attacks: ['random', 'correctness', 'loss'],
      defenses: { 'dp-sgd': { clipNorm: 1, noiseMultiplier: 1.1, microbatchSize: 1, sampling: 'poisson' }, 'label-only': {} },
    });
    await openFresh(configToHash(defended, 'wasm'));
    const epsilon = page.getByTestId('dp-epsilon');
    await epsilon.waitFor();
    const before = Number(await epsilon.getAttribute('data-epsilon'));
    await page.getByTestId('defense-dp-sgd-noiseMultiplier').fill('2');
    await expect.poll(async () => Number(await epsilon.getAttribute('data-epsilon')), STATE).toBeLessThan(before);
    await expect.poll(() => page.url(), STATE).toContain('defenses.dp-sgd.noiseMultiplier=2');
    expect(await epsilon.textContent()).toContain('Poisson sampling');

    // Pause mid-training: every model (target, shadow, undefended twin) finishes the epoch it is in
    // and waits; nothing trains while paused; a step trains one epoch of each model at the gate:
    // the target moves by exactly one, and no model by more.
    await page.getByTestId('run').click();
    await page.getByTestId('pause').click();
    await page.locator('[data-testid="run-status"][data-pause="paused"]').waitFor(STATE);
    const held = await settledEpochs();
    const heldTarget = await targetEpoch();
    await page.waitForTimeout(1_000);
    expect(await epochsTrained()).toBe(held);
    await page.getByTestId('step').click();
    await expect.poll(targetEpoch, STATE).toBe(heldTarget + 1);
    await page.locator('[data-testid="run-status"][data-pause="paused"]').waitFor(STATE);
    const stepped = await settledEpochs();
    // At most the three models at the gate, one epoch each.
    expect(stepped - held).toBeGreaterThanOrEqual(1);
    expect(stepped - held).toBeLessThanOrEqual(3);
    await page.waitForTimeout(500);
    expect(await targetEpoch()).toBe(heldTarget + 1);
    expect(await epochsTrained()).toBe(stepped);
    await page.getByTestId('resume').click();
    // (The table of an earlier run may already be on screen, marked stale: wait for this run.)
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor(RUN);
    expect(await page.getByTestId('stale-notice').count()).toBe(0);

    // Under label-only the loss attack is "not applicable", with the reason, never NaN.
    const lossRow = page.locator('[data-testid="results-table"] tr[data-attack="loss"]');
    expect(await lossRow.getAttribute('data-not-applicable')).toBe('true');
    expect(await lossRow.textContent()).toMatch(/not applicable.*labels/);
    expect(await page.getByTestId('results-table').textContent()).not.toContain('NaN');
    expect(Number(await page.locator('[data-testid="defense-price"] td[data-metric="undefended"]').textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('accountant-epsilon').textContent()).toMatch(/ε = \d/);
    expect(await page.getByTestId('empirical-epsilon').textContent()).toMatch(/Strongest attack/);
    await expect.poll(() => page.locator('[data-testid="privacy-chart"] circle.plot-point').count(), STATE).toBeGreaterThan(0);

    // Each chart exports as SVG and PNG (once drawn: charts draw one per task).
    await expect.poll(() => page.locator('[data-testid="roc-chart"] polyline.plot-line').count(), STATE).toBeGreaterThan(0);
    const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('roc-chart-export-svg').click()]);
    const svg = await readFile((await svgDownload.path()) as string, 'utf8');
    expect(svgDownload.suggestedFilename()).toBe('mia-lab-roc-curves.svg');
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('plot-line');
    expect(svg).toContain('ROC curves');
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('privacy-chart-export-png').click()]);
    const png = await readFile((await pngDownload.path()) as string);
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(png.length).toBeGreaterThan(2_000);
    expect(pageErrors).toEqual([]);
  });

  it('cancels a paused run at once', async () => {
    const long = parseExperimentConfig({ seed: 5, partSize: 200, target: { architecture: 'mlp', epochs: 200, batchSize: 16 }, attacks: ['random', 'correctness'] });
    await openFresh(configToHash(long, 'wasm'));
    const started = Date.now();
    await page.getByTestId('run').click();
    await expect.poll(targetEpoch, STATE).toBeGreaterThan(0);
    console.info(`e2e: first epoch after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await page.getByTestId('pause').click();
    await page.locator('[data-testid="run-status"][data-pause="paused"]').waitFor(STATE);
    const clicked = Date.now();
    await page.getByTestId('cancel').click();
    await page.locator('[data-testid="run-status"][data-status="cancelled"]').waitFor(STATE);
    console.info(`e2e: a paused run cancelled in ${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    // "At once" is the worker's own acknowledgement: had it not answered within the client's grace
    // period (CANCEL_GRACE_MS) it would have been terminated, and the page would say so.
    expect(await page.getByText('so it was terminated').count()).toBe(0);
  });

  it('opens a lesson from its link: settings set, distractions hidden or locked, steps beside the charts', async () => {
    await openFresh('#lesson=overfitting');
    await page.getByTestId('lesson').waitFor();
    expect(await page.getByTestId('part-size').inputValue()).toBe('1000');
    expect(await page.getByTestId('target-epochs').inputValue()).toBe('80');
    expect(await page.getByTestId('group-defenses').count()).toBe(0);
    expect(await page.getByTestId('group-shadow').count()).toBe(0);
    expect(await page.getByTestId('dataset').isDisabled()).toBe(true);
    expect(await page.getByTestId('part-size').isEnabled()).toBe(true);
    await page.getByTestId('lesson-next').click();
    await page.getByTestId('lesson-next').click();
    expect(await page.getByTestId('lesson').getAttribute('data-step')).toBe('2');
    await expect.poll(() => page.getByTestId('part-size').inputValue(), STATE).toBe('5000');
    await expect.poll(() => page.url(), STATE).toMatch(/#lesson=overfitting&step=2&hide=.*partSize=5000/);
    await page.getByText('Leave the lesson').click();
    await page.getByTestId('group-defenses').waitFor();
  });

  it('runs the app\'s default experiment to the end, its long tasks measured and reported', async () => {
    await openFresh('#backend=auto');
    await expect.poll(() => page.getByTestId('part-size').inputValue(), STATE).toBe(String(DEFAULT_CONFIG.partSize));
    await readLongTasks(page);
    const started = Date.now();
    await page.getByTestId('run').click();
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor(RUN);
    expect(await page.locator('[data-testid="results-table"] tbody tr').count()).toBe(DEFAULT_CONFIG.attacks.length);
    await expect.poll(() => page.locator('[data-testid="roc-chart"] polyline.plot-line').count(), STATE).toBe(DEFAULT_CONFIG.attacks.length + 1);
    await expect.poll(() => page.locator('[data-testid="histograms"] .histogram-area').count(), STATE).toBeGreaterThan(0);
    // Issue 10's target is no task over 100 ms; a timing, so reported here (and by scripts/long-tasks.ts), not asserted.
    const tasks = summariseLongTasks(await readLongTasks(page));
    console.info(
      `e2e: long tasks during the default run (${((Date.now() - started) / 1000).toFixed(1)} s): ${tasks.count}, longest ${tasks.longest.toFixed(0)} ms, ` +
        `${tasks.over100} over 100 ms, ${tasks.total.toFixed(0)} ms blocked in total${tasks.worst.length ? `; over 100 ms: ${tasks.worst.join('; ')}` : ''}`,
    );
    // A histogram's bin shows its fractions under the pointer (one handler on the chart, no element per bin).
    await page.locator('[data-testid="histograms"] svg.chart-surface').first().hover();
    await expect.poll(() => page.getByTestId('histogram-readout').first().textContent(), STATE).toMatch(/^score ≥ \S+: members \d\.\d{3}, non-members \d\.\d{3}$/);
    expect(pageErrors).toEqual([]);
  });

  it('runs a quick suite end to end in the worker, stopping and resuming from IndexedDB on the way', async () => {
    await openFresh('#view=suites&backend=wasm');
    await page.getByTestId('suites-page').waitFor();
    await page.getByTestId('suite').selectOption('gap');
    const rows = page.locator('[data-testid="suite-grid"] tbody tr');
    const runs = getSuite('gap').runs('quick');
    await expect.poll(() => rows.count(), STATE).toBe(runs.length);
    await readLongTasks(page);
    const started = Date.now();
    await page.getByTestId('suite-start').click();
    await page.locator('[data-testid="suite-progress"][data-status="running"]').waitFor();
    await page.locator('[data-testid="suite-grid"] tr[data-status="done"]').first().waitFor(STATE);
    // The first finished run already fills the suite's tables.
    await page.getByTestId('suite-table').first().waitFor();
    await page.getByTestId('suite-stop').click();
    await page.locator('[data-testid="suite-progress"][data-status="stopped"]').waitFor(STATE);
    const doneBefore = await page.locator('[data-testid="suite-grid"] tr[data-status="done"]').count();
    expect(doneBefore).toBeGreaterThanOrEqual(1);

    // A reload: the finished runs come back from IndexedDB and are reused, not retrained.
    const beforeReload = await readLongTasks(page);
    await page.reload();
    await page.getByTestId('suite').selectOption('gap');
    await expect.poll(() => page.locator('[data-testid="suite-grid"] tr[data-status="cached"]').count(), STATE).toBe(doneBefore);
    await page.getByTestId('suite-start').click();
    await page.locator('[data-testid="suite-progress"][data-status="done"]').waitFor(RUN);
    const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')));
    expect(statuses.filter((s) => s === 'cached')).toHaveLength(doneBefore);
    expect(statuses.filter((s) => s === 'done')).toHaveLength(runs.length - doneBefore);
    expect(await page.getByTestId('suite-figure').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="suite-figure"] svg circle, [data-testid="suite-figure"] svg path').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="suite-summary"] .stale').count()).toBe(0);
    console.info(`e2e: the quick "gap" suite (${runs.length} runs, one stop and resume) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Long tasks of both halves (the observer starts afresh with the reloaded page).
    const tasks = summariseLongTasks([...beforeReload, ...(await readLongTasks(page))]);
    console.info(
      `e2e: long tasks during the suite run: ${tasks.count}, longest ${tasks.longest.toFixed(0)} ms, ${tasks.over100} over 100 ms, ${tasks.total.toFixed(0)} ms in total` +
        (tasks.worst.length ? `; over 100 ms: ${tasks.worst.join('; ')}` : ''),
    );
    expect(pageErrors).toEqual([]);
  });
});

