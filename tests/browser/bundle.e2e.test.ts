/**
 * A bundle made by the CLI, opened in the app (headless Chromium, like app.e2e.test.ts): two
 * reference shards, `lab merge`, `lab bundle`; the app imports the file through its picker, shows
 * the same AUCs as the CLI's results.json with the ROC curves, keeps the reference outputs and the
 * weights in IndexedDB, refuses a corrupt bundle by name without losing what it stored, and then
 * runs the same experiment with another attack list without training a single reference model.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { serveBuiltApp } from './harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig, presetConfig } from '../../src/core/config';
import { configToHash } from '../../src/app/state/url-hash';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = {
  seed: 11,
  partSize: 100,
  target: { architecture: 'mlp', epochs: 3, batchSize: 32, learningRate: 0.002 },
  shadow: { count: 1 },
  reference: { count: 4, epochs: 3 },
  rmia: { populationSize: 100 },
  attacks: ['loss', 'lira-online', 'lira-offline', 'rmia'],
};

const run = promisify(execFile);
const lab = (args: readonly string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/lab.ts', ...args], { cwd: ROOT, timeout: 120_000 });

/** The keys of an IndexedDB object store in the page. */
const storeKeys = (page: Page, database: string, store: string) =>
  page.evaluate(
    ([db, name]) =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open(db);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction(name).objectStore(name).getAllKeys();
          request.onsuccess = () => resolve((request.result as IDBValidKey[]).map(String));
          request.onerror = () => reject(request.error);
        };
      }),
    [database, store] as const,
  );

describe('an experiment bundle from the CLI in the app', () => {
  let dir: string;
  let outDir: string;
  let server: PreviewServer;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  let results: { attacks: { name: string; auc: number }[]; reference: { trainedThisRun: number } };
  let referenceKeys: string[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mia-bundle-e2e-'));
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify(CONFIG));
    await Promise.all([0, 1].map((i) => lab(['references', '--config', config, '--shard', `${i}/2`, '--out', join(dir, 'shards')])));
    await lab(['merge', join(dir, 'shards'), '--config', config, '--out', join(dir, 'merged'), '--no-cache']);
    await lab(['bundle', join(dir, 'merged'), '--out', join(dir, 'class.miab')]);
    results = JSON.parse(await readFile(join(dir, 'merged', 'results.json'), 'utf8'));
    referenceKeys = JSON.parse(await readFile(join(dir, 'merged', 'references', 'manifest.json'), 'utf8')).models.map((m: { key: string }) => m.key);

    outDir = join(dir, 'app');
    server = await serveBuiltApp(outDir);
    baseUrl = server.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens the bundle and shows the same AUCs as the CLI\'s results.json, with the ROC curves', async () => {
    expect(results.reference.trainedThisRun).toBe(0);
    await page.goto(baseUrl);
    await page.getByTestId('import-file').setInputFiles(join(dir, 'class.miab'));
    await page.getByTestId('results-table').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('message-notice').last().textContent()).toMatch(/class\.miab: 4 reference models' outputs, 2 models' weights and the results imported/);
    for (const attack of results.attacks) {
      const shown = await page.locator(`[data-testid="results-table"] tr[data-attack="${attack.name}"] td[data-metric="auc"]`).textContent();
      expect(shown, attack.name).toBe(attack.auc.toFixed(3));
    }
    expect(await page.locator('[data-testid="roc-chart"] polyline.plot-line').count()).toBe(CONFIG.attacks.length + 1);
    expect(await page.getByTestId('stale-notice').count()).toBe(0);
    // The bundle's scores.csv gives the Records view its per-record scores (a results.json alone has none).
    await page.getByTestId('record-grid').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('record-card').count()).toBeGreaterThan(0);

    // Stored: the reference outputs under the engine's keys, the weights where the worker keeps them.
    expect((await storeKeys(page, 'mia-lab', 'blobs')).filter((key) => referenceKeys.includes(key)).sort()).toEqual([...referenceKeys].sort());
    const models = (await storeKeys(page, 'tensorflowjs', 'models_store')).filter((key) => key.startsWith('mia-lab/'));
    expect(models.map((key) => key.slice(key.lastIndexOf('/') + 1)).sort()).toEqual(['shadow-0', 'target-0']);
    expect(pageErrors).toEqual([]);
  });

  it('refuses a corrupt bundle by name and keeps what is stored', async () => {
    const bytes = await readFile(join(dir, 'class.miab'));
    bytes[Math.floor(bytes.length / 2)] ^= 0x40;
    const before = await storeKeys(page, 'mia-lab', 'results');
    await page.getByTestId('import-file').setInputFiles({ name: 'broken.miab', mimeType: 'application/octet-stream', buffer: bytes });
    await expect.poll(() => page.getByTestId('message-error').last().textContent()).toMatch(/broken\.miab: corrupt/);
    expect(await storeKeys(page, 'mia-lab', 'results')).toEqual(before);
    expect((await storeKeys(page, 'mia-lab', 'blobs')).filter((key) => referenceKeys.includes(key))).toHaveLength(referenceKeys.length);
    await page.reload();
    await page.getByTestId('results-table').waitFor({ timeout: 15_000 });
    expect(await page.locator(`[data-testid="results-table"] tr[data-attack="lira-online"] td[data-metric="auc"]`).textContent()).toBe(
      results.attacks.find((a) => a.name === 'lira-online')?.auc.toFixed(3),
    );
  });

  it('runs the experiment with another attack in the browser without training a reference model', async () => {
    const other = parseExperimentConfig({ ...CONFIG, attacks: [...CONFIG.attacks, 'similarity'] }, presetConfig('quick'));
    await page.goto('about:blank');
    await page.goto(`${baseUrl}${configToHash(other, 'wasm')}`);
    await page.getByTestId('run').click();
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor({ timeout: 120_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-results').click()]);
    const exported = JSON.parse(await readFile((await download.path()) as string, 'utf8'));
    expect(exported.attacks.map((a: { name: string }) => a.name)).toContain('similarity');
    expect(exported.reference.count).toBe(4);
    expect(exported.reference.trainedThisRun).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
