/**
 * Keeps the config store and the location hash in step: a copied link reproduces the experiment.
 * Store → URL with history.replaceState (no history entry per keystroke); URL → store on load and
 * on `hashchange` (a pasted link). A bad link is reported and the controls keep their settings.
 */
import { configToHash, hashToConfig } from './url-hash';
import { useConfigStore } from './config-store';
import { useUiStore } from './ui-store';

export interface LocationLike {
  hash: string;
}

export function applyHash(hash: string): void {
  const parsed = hashToConfig(hash);
  if (parsed.backend) useUiStore.getState().setBackend(parsed.backend);
  if (parsed.kind === 'config') useConfigStore.getState().replace(parsed.config);
  if (parsed.kind === 'invalid') {
    useUiStore.getState().say('error', 'The link holds an experiment this lab refuses; the controls keep their previous settings.', parsed.problems);
  }
}

export function currentHash(): string {
  return configToHash(useConfigStore.getState().config, useUiStore.getState().backend);
}

/** Start syncing; returns a function that stops it. */
export function syncConfigWithUrl(win: Window = window): () => void {
  applyHash(win.location.hash);
  let written = currentHash();
  const write = () => {
    const hash = currentHash();
    if (hash === written && win.location.hash === hash) return;
    written = hash;
    win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}${hash}`);
  };
  write();
  const unsubscribeConfig = useConfigStore.subscribe(write);
  const unsubscribeUi = useUiStore.subscribe((state, previous) => {
    if (state.backend !== previous.backend) write();
  });
  const onHashChange = () => {
    if (win.location.hash !== written) {
      applyHash(win.location.hash);
      write();
    }
  };
  win.addEventListener('hashchange', onHashChange);
  return () => {
    unsubscribeConfig();
    unsubscribeUi();
    win.removeEventListener('hashchange', onHashChange);
  };
}
