/**
 * The browser app end to end, in Debian's headless Chromium (../shared/BROWSER.md): build the app,
 * serve it on 127.0.0.1, and drive it through the UI like a student would. A tiny experiment
 * (100 records per part, 2 epochs, an MLP) trains in the Web Worker on WebGPU; then a reload
 * restores it from IndexedDB without retraining, a corrupt upload is refused by name, and cancel
 * stops a long run and leaves the page usable. Needs Chromium (scripts/ensure-chromium.mjs installs it before npm test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/core/config';
import { runExperiment } from '../../src/core/experiment';
import { loadDataset } from '../../src/node/load-dataset';
import { configToHash } from '../../src/app/state/url-hash';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TINY = parseExperimentConfig({
  seed: 3,
  partSize: 100,
  target: { architecture: 'mlp', epochs: 2, batchSize: 32, learningRate: 0.001 },
});

describe('the app in headless Chromium', () => {
  let outDir: string;
  let server: PreviewServer;
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'mia-lab-e2e-'));
    await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    baseUrl = server.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
    context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('runs a tiny experiment on WebGPU in the worker and shows the table, ROC and gap charts', async () => {
    await page.goto(`${baseUrl}${configToHash(TINY, 'webgpu')}`);
    await expect.poll(() => page.getByTestId('part-size').inputValue()).toBe('100');
    const started = Date.now();
    await page.getByTestId('run').click();
    await page.getByTestId('results-table').waitFor({ timeout: 90_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(await page.getByTestId('backend-active').getAttribute('data-backend')).toBe('webgpu');
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('done');
    const rows = page.locator('[data-testid="results-table"] tbody tr');
    expect(await rows.count()).toBe(TINY.attacks.length);
    const aucs = await page.locator('[data-testid="results-table"] td[data-metric="auc"]').allTextContents();
    for (const auc of aucs) expect(Number(auc)).toBeGreaterThanOrEqual(0);
    // One curve per attack plus the chance diagonal, drawn as SVG paths.
    expect(await page.locator('[data-testid="roc-chart"] .recharts-line path.recharts-curve').count()).toBe(TINY.attacks.length + 1);
    expect(await page.locator('[data-testid="gap-chart"] .recharts-scatter-symbol').count()).toBe(TINY.attacks.length);
    await page.getByTestId('roc-log').click();
    expect(await page.locator('[data-testid="roc-chart"] .recharts-line path.recharts-curve').count()).toBe(TINY.attacks.length + 1);
    expect(await page.getByTestId('stale-notice').count()).toBe(0);
    // The same config and seed in Node (the CLI's engine, cpu backend) gives the same figures.
    const node = await runExperiment(TINY, { loadDataset });
    const nodeAucs = node.attacks.map((a) => a.auc);
    aucs.forEach((auc, i) => expect(Number(auc)).toBeCloseTo(nodeAucs[i], 1));
    const summary = (await page.getByTestId('result-summary').textContent()) ?? '';
    expect(summary).toContain(`train accuracy ${node.target.trainAccuracy.toFixed(3)}`);
    console.info(`e2e: AUCs browser ${aucs.join(' ')} vs Node ${nodeAucs.map((a) => a.toFixed(3)).join(' ')}`);
    console.info(`e2e: tiny experiment on ${await page.getByTestId('backend-active').textContent()} in ${seconds.toFixed(1)} s`);
    expect(pageErrors).toEqual([]);
  });

  it('restores the results from IndexedDB after a reload, without retraining', async () => {
    await page.reload();
    await page.getByTestId('results-table').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('idle');
    expect(await page.locator('[data-testid="results-table"] tbody tr').count()).toBe(TINY.attacks.length);
    // Changing a control makes the charts say they are stale.
    await page.getByTestId('seed').fill('4');
    await page.getByTestId('stale-notice').first().waitFor({ timeout: 5_000 });
    expect(page.url()).toContain('seed=4');
  });

  it('refuses a corrupt upload with a message naming the file', async () => {
    await page.getByTestId('dataset-files').setInputFiles([
      { name: 'train-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: Buffer.from('not an idx file at all') },
      { name: 'train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 0]) },
    ]);
    await expect.poll(() => page.getByTestId('dataset').inputValue()).toBe('custom');
    await page.getByTestId('run').click();
    const error = page.getByTestId('run-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toMatch(/train-(images|labels)-idx[13]-ubyte/);
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
  });

  it('cancels a long run mid-training and leaves the page usable', async () => {
    const long = parseExperimentConfig({ seed: 1, partSize: 500, target: { architecture: 'mlp', epochs: 300, batchSize: 16 } });
    await page.goto(`${baseUrl}${configToHash(long, 'cpu')}`);
    await page.reload();
    await page.getByTestId('run').click();
    await page.locator('[data-testid="stage-train-target"][data-status="running"]').waitFor({ timeout: 60_000 });
    const clicked = Date.now();
    await page.getByTestId('cancel').click();
    await page.locator('[data-testid="run-status"][data-status="cancelled"]').waitFor({ timeout: 15_000 });
    console.info(`e2e: cancel took effect in ${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    expect(await page.getByTestId('run').isEnabled()).toBe(true);
    // The worker stopped itself at a batch boundary; it did not have to be terminated.
    expect(await page.getByText('so it was terminated').count()).toBe(0);
    // The page still answers: a control can be changed and is written to the URL.
    await page.getByTestId('part-size').fill('120');
    await expect.poll(() => page.url()).toContain('partSize=120');
    expect(pageErrors).toEqual([]);
  });
});
