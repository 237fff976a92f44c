/**
 * What the Records view and the charts it links to share: the attack whose records are shown, the
 * false-positive rate under the mouse on the ROC chart, and the record clicked. A store of its own
 * so the linked charts read one field each and the rest of the page never re-renders for a hover.
 */
import { create } from 'zustand';

export interface RecordsState {
  /** The attack whose most exposed members are drawn; undefined = the first non-baseline attack of the result. */
  readonly attack?: string;
  /** The FPR of the ROC point under the mouse: records above the chosen attack's threshold at it light up. */
  readonly hoverFpr?: number;
  /** The clicked record, as its position in the result's records (members first). */
  readonly selected?: number;
  setAttack(attack: string): void;
  setHoverFpr(fpr: number | undefined): void;
  select(position: number | undefined): void;
}

export const useRecordsStore = create<RecordsState>()((set) => ({
  setAttack: (attack) => set({ attack, selected: undefined }),
  setHoverFpr: (hoverFpr) => set({ hoverFpr }),
  select: (selected) => set({ selected }),
}));
