/**
 * A chart with its title, a short explanation beside it, its formula and citation on demand, a
 * stale warning, and SVG and PNG export of what is drawn.
 */
import { useRef, useState, type ReactNode } from 'react';
import { chartToSvg, downloadPng, downloadSvg, fileStem } from './export-chart';
import { QueuedDraw } from './QueuedDraw';

interface Props {
  readonly title: string;
  readonly explanation: ReactNode;
  /** Formula and citation, shown in a <details>. */
  readonly more?: ReactNode;
  readonly stale?: boolean;
  readonly testId?: string;
  readonly children: ReactNode;
}

/** SVG and PNG buttons for a figure; `svg` builds the document when clicked. */
export function ExportButtons({ name, svg, testId }: { name: string; svg: () => string | undefined; testId?: string }) {
  const [error, setError] = useState<string>();
  const save = async (kind: 'svg' | 'png') => {
    setError(undefined);
    try {
      const text = svg();
      if (!text) throw new Error('nothing is drawn yet');
      if (kind === 'svg') downloadSvg(`${name}.svg`, text);
      else await downloadPng(`${name}.png`, text);
    } catch (e) {
      setError(`Could not export ${kind.toUpperCase()}: ${(e as Error).message}`);
    }
  };
  return (
    <span className="export-buttons">
      <button type="button" className="small" data-testid={testId && `${testId}-export-svg`} onClick={() => void save('svg')} title="Download as SVG">
        SVG
      </button>
      <button type="button" className="small" data-testid={testId && `${testId}-export-png`} onClick={() => void save('png')} title="Download as PNG">
        PNG
      </button>
      {error && <span className="message error">{error}</span>}
    </span>
  );
}

export function ChartFrame({ title, explanation, more, stale, testId, children }: Props) {
  const plot = useRef<HTMLDivElement>(null);
  return (
    <section className="chart" data-testid={testId}>
      <div className="chart-head">
        <h3>{title}</h3>
        <ExportButtons name={`mia-lab-${fileStem(title)}`} testId={testId} svg={() => (plot.current ? chartToSvg(plot.current, title) : undefined)} />
      </div>
      {stale && (
        <p className="stale" data-testid="stale-notice">
          This shows an earlier run: it does not match the current settings. Press Run to update it.
        </p>
      )}
      <div className="chart-body">
        <div className="chart-plot" ref={plot}>
          <QueuedDraw name={testId}>{children}</QueuedDraw>
        </div>
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
