/** The bench page: runs ?backend=… in a fresh worker and leaves the answer in window.__bench. */
import type { BrowserBenchRequest, BrowserBenchResponse } from './protocol';

const params = new URLSearchParams(location.search);
const request: BrowserBenchRequest = {
  backend: params.get('backend') ?? 'cpu',
  samples: Number(params.get('samples') ?? 512),
  repeats: Number(params.get('repeats') ?? 2),
  im2col: params.get('im2col') === '1',
};
const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
const done = (response: BrowserBenchResponse) => {
  (window as unknown as { __bench: BrowserBenchResponse }).__bench = response;
  document.getElementById('status')!.textContent = JSON.stringify(response);
  worker.terminate();
};
worker.onmessage = (event: MessageEvent<BrowserBenchResponse>) => done(event.data);
worker.onerror = (event) => done({ ok: false, backend: request.backend, error: event.message || 'the worker crashed' });
worker.postMessage(request);
