import { describe, expect, it, vi } from 'vitest';
import { ExperimentClient, type WorkerLike } from '../../src/app/worker/experiment-client';
import { type WorkerRequest, type WorkerResponse } from '../../workers/protocol';
import { packResult } from '../../src/shared/packed-result';
import { TINY_CONFIG, epoch, fakeResult } from './fixtures';

/** A worker whose answers the test writes by hand. */
class FakeWorker implements WorkerLike {
  onmessage: ((event: MessageEvent<WorkerResponse>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  readonly sent: { message: WorkerRequest; transfer: Transferable[] }[] = [];
  terminated = false;
  postMessage(message: WorkerRequest, options?: { transfer?: Transferable[] }): void {
    this.sent.push({ message, transfer: options?.transfer ?? [] });
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(message: WorkerResponse): void {
    this.onmessage?.({ data: message } as MessageEvent<WorkerResponse>);
  }
  get runId(): number {
    const run = this.sent.find((s) => s.message.type === 'run')?.message;
    return run?.type === 'run' ? run.runId : -1;
  }
}

function setup(graceMs = 50) {
  const workers: FakeWorker[] = [];
  const client = new ExperimentClient(() => {
    const worker = new FakeWorker();
    workers.push(worker);
    return worker;
  }, graceMs);
  return { client, workers };
}

describe('ExperimentClient', () => {
  it('warms the worker up before a run: one warm message, resolved by the answer, the same worker for the run', async () => {
    const { client, workers } = setup();
    let ready = false;
    const warmed = client.warm({ config: TINY_CONFIG, backend: 'wasm' }).then(() => (ready = true));
    expect(workers).toHaveLength(1);
    expect(workers[0].sent.map((s) => s.message)).toEqual([{ type: 'warm', config: TINY_CONFIG, backend: 'wasm' }]);
    await Promise.resolve();
    expect(ready).toBe(false);
    workers[0].answer({ type: 'warmed' });
    await warmed;
    expect(ready).toBe(true);
    void client.run({ config: TINY_CONFIG, backend: 'wasm' });
    expect(workers).toHaveLength(1);
    expect(workers[0].sent[1].message.type).toBe('run');
  });

  it('a warm-up never holds anything up: resolved when the worker is thrown away, and not sent during a run', async () => {
    const { client, workers } = setup();
    const warmed = client.warm({ config: TINY_CONFIG, backend: 'auto' });
    client.restart();
    await expect(warmed).resolves.toBeUndefined();
    void client.run({ config: TINY_CONFIG, backend: 'auto' });
    await client.warm({ config: TINY_CONFIG, backend: 'auto' });
    expect(workers[1].sent.map((s) => s.message.type)).toEqual(['run']);
  });

  it('streams progress and resolves with the result', async () => {
    const { client, workers } = setup();
    const onProgress = vi.fn();
    const onBackend = vi.fn();
    const outcome = client.run({ config: TINY_CONFIG, backend: 'auto' }, { onProgress, onBackend });
    const worker = workers[0];
    const runId = worker.runId;
    worker.answer({ type: 'backend', runId, info: { requested: 'auto', active: 'cpu', notices: [] } });
    worker.answer({ type: 'progress', runId, event: { type: 'epoch', model: 'target', index: 0, count: 1, metrics: epoch(1, 2) } });
    worker.answer({ type: 'progress', runId: runId + 100, event: { type: 'stage-start', stage: 'attack' } });
    const result = fakeResult(TINY_CONFIG);
    worker.answer({ type: 'result', runId, result: packResult(result) });
    await expect(outcome).resolves.toEqual({ kind: 'result', result });
    expect(onBackend).toHaveBeenCalledWith({ requested: 'auto', active: 'cpu', notices: [] });
    expect(onProgress).toHaveBeenCalledTimes(1); // the straggler from another run is ignored
    expect(client.busy).toBe(false);
  });

  it('sends copies of the user files, transferred, and keeps the originals', async () => {
    const { client, workers } = setup();
    const bytes = new Uint8Array([1, 2, 3]);
    void client.run({ config: TINY_CONFIG, backend: 'wasm', files: [{ name: 'train.bin', bytes }] });
    const { message, transfer } = workers[0].sent[0];
    expect(message.type === 'run' && message.files?.[0].bytes).toEqual(bytes);
    expect(transfer).toHaveLength(1);
    expect(transfer[0]).not.toBe(bytes.buffer);
    expect(bytes.byteLength).toBe(3);
  });

  it('refuses a second run while one is in flight', async () => {
    const { client } = setup();
    void client.run({ config: TINY_CONFIG, backend: 'auto' });
    await expect(client.run({ config: TINY_CONFIG, backend: 'auto' })).resolves.toMatchObject({ kind: 'error', error: { name: 'BusyError' } });
  });

  it('cancels through the worker when it answers', async () => {
    const { client, workers } = setup();
    const outcome = client.run({ config: TINY_CONFIG, backend: 'auto' });
    client.cancel();
    const worker = workers[0];
    expect(worker.sent[1].message).toEqual({ type: 'cancel', runId: worker.runId });
    worker.answer({ type: 'cancelled', runId: worker.runId });
    await expect(outcome).resolves.toEqual({ kind: 'cancelled' });
    expect(worker.terminated).toBe(false);
  });

  it('terminates a worker that does not stop within the grace period, and starts a fresh one next time', async () => {
    const { client, workers } = setup(10);
    const outcome = client.run({ config: TINY_CONFIG, backend: 'auto' });
    client.cancel();
    await expect(outcome).resolves.toEqual({ kind: 'cancelled', forced: true });
    expect(workers[0].terminated).toBe(true);
    void client.run({ config: TINY_CONFIG, backend: 'auto' });
    expect(workers).toHaveLength(2);
  });

  it('reports a crashed worker and restarts on the next run', async () => {
    const { client, workers } = setup();
    const outcome = client.run({ config: TINY_CONFIG, backend: 'auto' });
    workers[0].onerror?.({ message: 'boom', filename: 'w.js', lineno: 3, preventDefault() {} } as ErrorEvent);
    await expect(outcome).resolves.toEqual({ kind: 'crashed', message: 'the experiment worker crashed: boom (w.js:3)' });
    expect(workers[0].terminated).toBe(true);
    const next = client.run({ config: TINY_CONFIG, backend: 'auto' });
    workers[1].answer({ type: 'error', runId: workers[1].runId, error: { name: 'DatasetError', message: 'x.bin: bad' } });
    await expect(next).resolves.toEqual({ kind: 'error', error: { name: 'DatasetError', message: 'x.bin: bad' } });
  });

  it('reports a worker that cannot even start', async () => {
    const client = new ExperimentClient(() => {
      throw new Error('no workers here');
    });
    await expect(client.run({ config: TINY_CONFIG, backend: 'auto' })).resolves.toEqual({
      kind: 'crashed',
      message: 'the experiment worker could not start: no workers here',
    });
  });

  it('sends pause, resume and step for the run in flight, and reports the gate', async () => {
    const { client, workers } = setup();
    const onGate = vi.fn();
    const outcome = client.run({ config: TINY_CONFIG, backend: 'auto' }, { onGate });
    const worker = workers[0];
    const runId = worker.runId;
    client.pause();
    client.step();
    client.resume();
    expect(worker.sent.slice(1).map((s) => s.message)).toEqual([
      { type: 'pause', runId },
      { type: 'step', runId },
      { type: 'resume', runId },
    ]);
    worker.answer({ type: 'gate', runId, state: { mode: 'paused', held: true, credits: 0 } });
    expect(onGate).toHaveBeenCalledWith({ mode: 'paused', held: true, credits: 0 });
    // Once a cancel is on its way, the run is not paused again.
    client.cancel();
    client.pause();
    expect(worker.sent.at(-1)?.message).toEqual({ type: 'cancel', runId });
    worker.answer({ type: 'cancelled', runId });
    await expect(outcome).resolves.toEqual({ kind: 'cancelled' });
    client.pause();
    expect(worker.sent.at(-1)?.message).toEqual({ type: 'cancel', runId });
  });
});
