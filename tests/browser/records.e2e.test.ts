/**
 * The Records view end to end, in Debian's headless Chromium (/usr/bin/chromium), like
 * app.e2e.test.ts: a small overfit MLP trains in the worker; the Records view then draws the most
 * exposed members from the dataset the worker kept in IndexedDB. Changing the attack must change
 * the images (a peer tool left them stale), hovering the ROC chart must light up records, and a
 * clicked record must be marked in every histogram.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { serveBuiltApp } from './harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/core/config';
import { configToHash } from '../../src/app/state/url-hash';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONFIG = parseExperimentConfig({
  seed: 5,
  partSize: 150,
  target: { architecture: 'mlp', epochs: 15, batchSize: 32, learningRate: 0.002 },
  attacks: ['random', 'correctness', 'loss', 'confidence', 'label-only-augmentation', 'quantile'],
});

describe('the Records view in headless Chromium', () => {
  let outDir: string;
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'mia-lab-records-e2e-'));
    server = await serveBuiltApp(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`); });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  const shownIndices = () => page.locator('[data-testid="record-grid"] [data-testid="record-image"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-pool-index')));

  it('draws the most exposed members as images and redraws them when the attack changes', async () => {
    await page.goto(`${server.resolvedUrls?.local[0] ?? ''}${configToHash(CONFIG, 'wasm')}`);
    await expect.poll(() => page.getByTestId('part-size').inputValue()).toBe('150');
    await page.getByTestId('run').click();
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor({ timeout: 150_000 });
    await page.getByTestId('records-view').waitFor({ timeout: 10_000 });
    await expect.poll(async () => (await shownIndices()).length, { timeout: 15_000 }).toBe(24);
    // The canvases hold pixels: an MNIST digit is not all black.
    const lit = await page.locator('[data-testid="record-image"]').first().evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let bright = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 128) bright++;
      return bright;
    });
    expect(lit).toBeGreaterThan(20);

    const select = page.getByTestId('records-attack');
    expect(await select.inputValue()).toBe('loss');
    const byLoss = await shownIndices();
    await select.selectOption('label-only-augmentation');
    await expect.poll(() => page.getByTestId('record-grid').getAttribute('data-attack')).toBe('label-only-augmentation');
    const byLabels = await shownIndices();
    expect(byLabels).toHaveLength(24);
    expect(byLabels).not.toEqual(byLoss);
    await select.selectOption('quantile');
    await expect.poll(() => page.getByTestId('record-grid').getAttribute('data-attack')).toBe('quantile');
    expect(await shownIndices()).not.toEqual(byLabels);
    expect(await page.getByTestId('records-overlap').textContent()).toMatch(/by none of the 5 attacks: \d+; by one: \d+; by several: \d+; by all: \d+/);
    expect(pageErrors).toEqual([]);
  }, 200_000);

  it('links the ROC chart and the histograms to the records', async () => {
    await page.getByTestId('records-attack').selectOption('loss');
    // Hover the ROC chart near its right edge (a high FPR): records above that point's threshold light up.
    const roc = page.locator('[data-testid="roc-chart"] svg.chart-surface').first();
    await roc.scrollIntoViewIfNeeded();
    const box = await roc.boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.move(box!.x + box!.width * 0.85, box!.y + box!.height * 0.5);
    await expect.poll(() => page.locator('.record-card.lit').count(), { timeout: 5_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('records-threshold').textContent()).toMatch(/hovered ROC point/);
    await page.mouse.move(0, 0);
    // Click a record: each histogram marks its score.
    await page.getByTestId('record-card').first().click();
    await page.getByTestId('records-selected').waitFor({ timeout: 5_000 });
    const marked = await page.locator('[data-testid^="histogram-"] .record-line line').count();
    expect(marked).toBeGreaterThanOrEqual(2);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('computes the breakdown by class when it is opened, one row per attack with scores', async () => {
    const breakdown = page.getByTestId('breakdown-table');
    expect(await breakdown.locator('tbody tr').count()).toBe(0);
    await breakdown.locator('summary').click();
    await expect.poll(() => breakdown.locator('tbody tr').count(), { timeout: 5_000 }).toBe(CONFIG.attacks.length);
    // Ten class columns plus correct and misclassified, each an AUC or a dash.
    expect(await breakdown.locator('tbody tr').first().locator('td').count()).toBe(12);
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
