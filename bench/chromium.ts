/**
 * The bench in headless Chromium (Debian's /usr/bin/chromium): a Vite dev server serves
 * bench/browser/, and each backend runs in a fresh page's worker. WebGPU is SwiftShader's software
 * adapter on these machines, so its figures say what a GPU-less laptop gets, not a GPU.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import type { BrowserBenchRequest, BrowserBenchResponse } from './browser/protocol';

export const BROWSER_BACKENDS: readonly BrowserBenchRequest[] = [
  { backend: 'webgpu', samples: 512, repeats: 2, im2col: false },
  { backend: 'webgpu', samples: 512, repeats: 2, im2col: true },
  { backend: 'webgl', samples: 512, repeats: 2 },
  { backend: 'wasm', samples: 512, repeats: 2 },
  { backend: 'wasm+lab', samples: 512, repeats: 2 },
  { backend: 'cpu', samples: 512, repeats: 2 },
];

export async function runBrowserBench(log: (line: string) => void, requests = BROWSER_BACKENDS): Promise<BrowserBenchResponse[] | string> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return `no Chromium at ${executablePath}: skipped`;
  const server = await createServer({ root: join(import.meta.dirname, '..'), configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
  const responses: BrowserBenchResponse[] = [];
  try {
    for (const request of requests) {
      const label = `${request.backend}${request.im2col ? ' (im2col shader)' : ''}`;
      log(`  browser ${label}…`);
      const page = await browser.newPage();
      try {
        const query = new URLSearchParams({ backend: request.backend, samples: String(request.samples), repeats: String(request.repeats), im2col: request.im2col ? '1' : '0' });
        await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html?${query}`);
        await page.waitForFunction(() => (globalThis as unknown as { __bench?: unknown }).__bench !== undefined, undefined, { timeout: 300_000 });
        responses.push(await page.evaluate(() => (globalThis as unknown as { __bench: BrowserBenchResponse }).__bench));
      } catch (error) {
        responses.push({ ok: false, backend: label, error: (error as Error).message.split('\n')[0] });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return responses;
}
