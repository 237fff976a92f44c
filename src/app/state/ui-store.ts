/**
 * UI state: the backend choice, the page on screen, the lesson and the controls it hides or locks,
 * the user's dataset files, chart options, messages, storage figures.
 */
import { create } from 'zustand';
import type { NamedBytes } from '../../core/datasets/types';
import type { BackendChoice } from '../../../workers/protocol';
import type { ControlGroup, View } from './url-hash';
import type { StorageEstimate } from '../../shared/storage/db';

export interface Message {
  readonly id: number;
  readonly kind: 'error' | 'notice';
  readonly text: string;
  /** Extra lines (a ConfigError's problems). */
  readonly details?: readonly string[];
}

export interface UiState {
  readonly backend: BackendChoice;
  /** Files picked or dropped for a custom dataset; kept in memory for reruns. */
  readonly userFiles: readonly NamedBytes[];
  readonly selectedHash?: string;
  readonly rocScale: 'linear' | 'log';
  readonly shadowFollowsTarget: boolean;
  readonly messages: readonly Message[];
  readonly storage?: StorageEstimate;
  readonly view: View;
  /** The lesson on screen and its step (lessons/lessons.ts). */
  readonly lesson?: { readonly id: string; readonly step: number };
  /** Control groups hidden or locked by the link or the lesson. */
  readonly hidden: readonly ControlGroup[];
  readonly locked: readonly ControlGroup[];
  /** The attack the privacy–utility chart plots, and its metric. */
  readonly privacyAttack?: string;
  readonly privacyMetric: 'auc' | 'tpr';
  setBackend(backend: BackendChoice): void;
  setView(view: View): void;
  setLesson(lesson: { id: string; step: number } | undefined, hidden?: readonly ControlGroup[], locked?: readonly ControlGroup[]): void;
  setPrivacyChart(attack: string | undefined, metric: 'auc' | 'tpr'): void;
  setUserFiles(files: readonly NamedBytes[]): void;
  select(hash: string | undefined): void;
  setRocScale(scale: 'linear' | 'log'): void;
  setShadowFollowsTarget(value: boolean): void;
  say(kind: Message['kind'], text: string, details?: readonly string[]): void;
  dismiss(id: number): void;
  setStorage(storage: StorageEstimate | undefined): void;
}

let nextMessageId = 1;

export const useUiStore = create<UiState>()((set) => ({
  backend: 'auto',
  userFiles: [],
  rocScale: 'linear',
  shadowFollowsTarget: true,
  messages: [],
  view: 'lab',
  hidden: [],
  locked: [],
  privacyMetric: 'auc',
  setBackend: (backend) => set({ backend }),
  setView: (view) => set({ view }),
  setLesson: (lesson, hidden = [], locked = []) => set({ lesson, hidden, locked }),
  setPrivacyChart: (privacyAttack, privacyMetric) => set({ privacyAttack, privacyMetric }),
  setUserFiles: (userFiles) => set({ userFiles }),
  select: (selectedHash) => set({ selectedHash }),
  setRocScale: (rocScale) => set({ rocScale }),
  setShadowFollowsTarget: (shadowFollowsTarget) => set({ shadowFollowsTarget }),
  say: (kind, text, details) =>
    set((state) => ({
      // The same message twice in a row is shown once.
      messages: state.messages.some((m) => m.text === text)
        ? state.messages
        : [...state.messages, { id: nextMessageId++, kind, text, ...(details ? { details } : {}) }].slice(-6),
    })),
  dismiss: (id) => set((state) => ({ messages: state.messages.filter((m) => m.id !== id) })),
  setStorage: (storage) => set({ storage }),
}));
