import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { useConfigStore } from '../../src/app/state/config-store';
import { useUiStore } from '../../src/app/state/ui-store';
import { configToHash } from '../../src/app/state/url-hash';
import { syncConfigWithUrl } from '../../src/app/state/url-sync';

/** Just enough of `window` for the sync: a location, replaceState, and hashchange listeners. */
function fakeWindow(hash: string) {
  const listeners = new Set<() => void>();
  const win = {
    location: { hash, pathname: '/', search: '' },
    history: {
      replaceState(_state: unknown, _title: string, url: string) {
        win.location.hash = url.slice(url.indexOf('#'));
      },
    },
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
    navigate(next: string) {
      win.location.hash = next;
      listeners.forEach((l) => l());
    },
  };
  return win;
}

describe('config ⇄ URL hash', () => {
  let stop: (() => void) | undefined;
  beforeEach(() => {
    useConfigStore.setState({ config: DEFAULT_CONFIG, problems: [] });
    useUiStore.setState({ backend: 'auto', messages: [] });
  });
  afterEach(() => stop?.());

  it('loads the experiment from the link, then writes every change back', () => {
    const linked = { ...DEFAULT_CONFIG, seed: 11, partSize: 300 };
    const win = fakeWindow(configToHash(linked, 'wasm'));
    stop = syncConfigWithUrl(win as unknown as Window);
    expect(useConfigStore.getState().config).toEqual(linked);
    expect(useUiStore.getState().backend).toBe('wasm');
    useConfigStore.getState().update({ seed: 12 });
    expect(win.location.hash).toBe(configToHash({ ...linked, seed: 12 }, 'wasm'));
    useUiStore.getState().setBackend('cpu');
    expect(win.location.hash).toContain('backend=cpu');
  });

  it('follows a pasted link, and reports a bad one without touching the controls', () => {
    const win = fakeWindow('');
    stop = syncConfigWithUrl(win as unknown as Window);
    expect(win.location.hash).toBe(configToHash(DEFAULT_CONFIG, 'auto'));
    win.navigate('#seed=21');
    expect(useConfigStore.getState().config.seed).toBe(21);
    win.navigate('#seed=oops');
    expect(useConfigStore.getState().config.seed).toBe(21);
    expect(useUiStore.getState().messages.at(-1)?.details?.join()).toMatch(/config\.seed/);
  });
});
