/**
 * Keeps the stores and the location hash in step: a copied link reproduces the experiment, the
 * page (lab or suites), the lesson and its step, and the controls the link hides or locks.
 * Store → URL with history.replaceState (no history entry per keystroke); URL → store on load and
 * on `hashchange` (a pasted link, a lesson link). A bad link is reported and the controls keep
 * their settings.
 */
import { findLesson, lessonConfig, stepChangesSettings, clampStep } from '../lessons/lessons';
import { configToHash, hashToConfig } from './url-hash';
import { useConfigStore } from './config-store';
import { useUiStore } from './ui-store';

export interface LocationLike {
  hash: string;
}

export function applyHash(hash: string): void {
  const parsed = hashToConfig(hash);
  const ui = useUiStore.getState();
  if (parsed.backend) ui.setBackend(parsed.backend);
  if (parsed.kind === 'invalid') {
    ui.say('error', 'The link holds an experiment this lab refuses; the controls keep their previous settings.', parsed.problems);
    return;
  }
  ui.setView(parsed.view ?? 'lab');
  const lesson = parsed.lesson ? findLesson(parsed.lesson.id) : undefined;
  if (parsed.lesson && !lesson) ui.say('error', `The link names a lesson this lab does not have: "${parsed.lesson.id}".`);
  if (lesson) {
    const step = clampStep(lesson, parsed.lesson?.step ?? 0);
    ui.setLesson({ id: lesson.id, step }, parsed.hide ?? lesson.hide, parsed.lock ?? lesson.lock);
    // A bare lesson link sets the step's experiment; a link that also holds settings keeps them.
    if (parsed.kind === 'empty') useConfigStore.getState().replace(lessonConfig(lesson, step));
  } else {
    ui.setLesson(undefined, parsed.hide ?? [], parsed.lock ?? []);
  }
  if (parsed.kind === 'config') useConfigStore.getState().replace(parsed.config);
}

export function currentHash(): string {
  const { backend, view, lesson, hidden, locked } = useUiStore.getState();
  return configToHash(useConfigStore.getState().config, backend, { view, lesson, hide: hidden, lock: locked });
}

/** Go to a lesson's step (or leave the lesson): its settings when the step changes them, its hide and lock flags. */
export function goToLesson(id: string | undefined, step = 0): void {
  const ui = useUiStore.getState();
  const lesson = id ? findLesson(id) : undefined;
  if (!lesson) {
    ui.setLesson(undefined, [], []);
    return;
  }
  const at = clampStep(lesson, step);
  if (stepChangesSettings(lesson, at)) useConfigStore.getState().replace(lessonConfig(lesson, at));
  ui.setView('lab');
  ui.setLesson({ id: lesson.id, step: at }, lesson.hide, lesson.lock);
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
    if (
      state.backend !== previous.backend ||
      state.view !== previous.view ||
      state.lesson !== previous.lesson ||
      state.hidden !== previous.hidden ||
      state.locked !== previous.locked
    ) {
      write();
    }
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
