/** A chart with its title, a short explanation beside it, its formula and citation on demand, and a stale warning. */
import type { ReactNode } from 'react';

interface Props {
  readonly title: string;
  readonly explanation: ReactNode;
  /** Formula and citation, shown in a <details>. */
  readonly more?: ReactNode;
  readonly stale?: boolean;
  readonly testId?: string;
  readonly children: ReactNode;
}

export function ChartFrame({ title, explanation, more, stale, testId, children }: Props) {
  return (
    <section className="chart" data-testid={testId}>
      <h3>{title}</h3>
      {stale && (
        <p className="stale" data-testid="stale-notice">
          This shows an earlier run: it does not match the current settings. Press Run to update it.
        </p>
      )}
      <div className="chart-body">
        <div className="chart-plot">{children}</div>
        <aside className="chart-explanation">
          <p>{explanation}</p>
          {more && (
            <details>
              <summary>Formula and source</summary>
              {more}
            </details>
          )}
        </aside>
      </div>
    </section>
  );
}

/** One colour per attack, stable across runs (registry order), then by name for attacks added later. */
const PALETTE = ['#7f7f7f', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

export function colourFor(name: string, known: readonly string[]): string {
  const index = known.indexOf(name);
  if (index >= 0) return PALETTE[index % PALETTE.length];
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

export function arxiv(id: string): ReactNode {
  return (
    <a href={`https://arxiv.org/abs/${id}`} target="_blank" rel="noreferrer">
      arXiv:{id}
    </a>
  );
}
