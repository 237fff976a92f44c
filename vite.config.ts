import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * Cross-origin isolation, so the page and its workers get SharedArrayBuffer and wasm can run
 * threaded (workers/backend.ts). Everything the app loads is same-origin, so require-corp blocks
 * nothing; a static host must send the same two headers (README, "Serving the app").
 */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * tfjs-backend-wasm starts its pthread workers from the threaded factory's own source text
 * (`factory.toString()` in a Blob), so that function must not name anything outside itself. It
 * names the enclosing `_scriptDir` twice, behind a typeof guard the minifier drops (it knows the
 * variable is declared), which in a pthread worker threw "ReferenceError: e is not defined" and
 * crashed the experiment worker. Both uses only matter without `mainScriptUrlOrBlob` and
 * setWasmPaths' full URLs, which tfjs and workers/backend.ts always give, so they are cut out
 * before minification. A new tfjs build without these strings fails the build here, by name.
 */
function selfContainedThreadedWasmFactory(): Plugin {
  const cuts = [
    ['if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}', ''],
    ['"urlOrBlob":Module["mainScriptUrlOrBlob"]||_scriptDir,', '"urlOrBlob":Module["mainScriptUrlOrBlob"],'],
  ] as const;
  return {
    name: 'mia-lab:self-contained-threaded-wasm-factory',
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith('tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js')) return null;
      let out = code;
      for (const [from, to] of cuts) {
        if (!out.includes(from)) throw new Error(`${id}: expected ${from} (tfjs-backend-wasm 4.22's threaded factory); check vite.config.ts`);
        out = out.replace(from, to);
      }
      return { code: out, map: null };
    },
  };
}

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION },
  preview: { host: '127.0.0.1', headers: CROSS_ORIGIN_ISOLATION },
  // The wasm backend lives in the workers, so the fix goes to the worker bundles.
  worker: { format: 'es', plugins: () => [selfContainedThreadedWasmFactory()] },
});
