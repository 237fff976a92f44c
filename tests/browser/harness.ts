/**
 * The built app served on 127.0.0.1 and Debian's headless Chromium driving it
 * (../shared/BROWSER.md), for the browser tests that need nothing else from their setup.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Waits for a state: long enough for a 2-core machine under a CPU hog, never a timing claim. */
export const STATE = { timeout: 120_000 };
export const RUN = { timeout: 600_000 };

/**
 * The app built as `npm start` builds it and served from `outDir`. The build runs in a process of
 * its own with NODE_ENV=production: inside vitest NODE_ENV is "test", and a build made here would
 * bundle React's development build (runWithFiberInDEV on every render), whose slower tasks the
 * long-task figures would then report instead of the app's.
 */
export async function serveBuiltApp(outDir: string): Promise<PreviewServer> {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
}

export interface Lab {
  readonly baseUrl: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Errors thrown on the page, which a test should expect to be none. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function openLab(initScripts: readonly string[] = []): Promise<Lab> {
  const outDir = await mkdtemp(join(tmpdir(), 'mia-lab-e2e-'));
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await serveBuiltApp(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
    const context = await browser.newContext();
    for (const script of initScripts) await context.addInitScript(script);
    const page = await context.newPage();
    page.setDefaultTimeout(STATE.timeout);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const [openServer, openBrowser] = [server, browser];
    return {
      baseUrl: server.resolvedUrls?.local[0] ?? '',
      context,
      page,
      pageErrors,
      async close() {
        await context.close();
        await openBrowser.close();
        await openServer.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.close();
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}

/** Forget the backend measurements an earlier run left in this browser profile, so auto measures again. */
export function forgetBackendProbes(page: Page): Promise<void> {
  return page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('mia-lab');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('backend-probes')) return db.close(), resolve();
          const clear = db.transaction('backend-probes', 'readwrite').objectStore('backend-probes').clear();
          clear.onsuccess = () => (db.close(), resolve());
          clear.onerror = () => reject(clear.error);
        };
      }),
  );
}
