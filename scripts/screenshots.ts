/**
 * `npx tsx scripts/screenshots.ts`: builds the app, serves it on 127.0.0.1, runs a small
 * experiment on wasm in Debian's headless Chromium and saves screenshots of the main views to
 * docs/screenshots/ (the README shows them). Regenerate after UI changes.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { parseExperimentConfig } from '../src/core/config';
import { configToHash } from '../src/app/state/url-hash';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'docs', 'screenshots');
const config = parseExperimentConfig({ partSize: 500, target: { epochs: 30 }, defenses: {} });

const outDir = await mkdtemp(join(tmpdir(), 'mia-shots-'));
await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
const base = server.resolvedUrls?.local[0] ?? '';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${base}${configToHash(config, 'wasm')}`);
  await page.getByTestId('run').click();
  await page.getByTestId('results-table').waitFor({ timeout: 300_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(OUT, 'lab.png'), fullPage: true });
  await page.goto('about:blank');
  await page.goto(`${base}#lesson=dp-sgd`);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(OUT, 'lesson-dp-sgd.png'), fullPage: true });
  await page.goto('about:blank');
  await page.goto(`${base}#view=suites`);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(OUT, 'suites.png'), fullPage: true });
  console.log(`wrote ${OUT}/{lab,lesson-dp-sgd,suites}.png`);
} finally {
  await browser.close();
  await server.close();
}
