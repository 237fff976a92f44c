import { MessageChannel as NodeChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A MessageChannel that counts the messages posted on it, delivered on Node's own channel. */
function countingChannel(posted: { count: number }) {
  return class {
    readonly port1: { onmessage: (() => void) | null };
    readonly port2: { postMessage(message: undefined): void };
    constructor() {
      const inner = new NodeChannel();
      const port1 = { onmessage: null as (() => void) | null };
      inner.port1.on('message', () => port1.onmessage?.());
      inner.port1.unref();
      this.port1 = port1;
      this.port2 = {
        postMessage: (message) => {
          posted.count++;
          inner.port2.postMessage(message);
        },
      };
    }
  };
}

describe('yieldSometimes', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('yields through a MessageChannel where there is no setImmediate (a browser clamps nested setTimeout(0) to 4 ms)', async () => {
    const posted = { count: 0 };
    vi.stubGlobal('setImmediate', undefined);
    vi.stubGlobal('MessageChannel', countingChannel(posted));
    const timeout = vi.fn(globalThis.setTimeout);
    vi.stubGlobal('setTimeout', timeout);
    vi.resetModules();
    const { yieldSometimes } = await import('../src/core/pace');
    for (let round = 1; round <= 3; round++) {
      const since = Date.now();
      while (Date.now() - since < 25); // more work than the yield interval
      await yieldSometimes();
      expect(posted.count).toBe(round);
    }
    expect(timeout).not.toHaveBeenCalled();
  });

  it('yields only when the interval has passed since the last yield', async () => {
    const posted = { count: 0 };
    vi.stubGlobal('setImmediate', undefined);
    vi.stubGlobal('MessageChannel', countingChannel(posted));
    vi.resetModules();
    const { yieldSometimes } = await import('../src/core/pace');
    const since = Date.now();
    while (Date.now() - since < 25);
    await yieldSometimes();
    await yieldSometimes();
    await yieldSometimes();
    expect(posted.count).toBe(1);
  });
});
