/**
 * Two step histograms over shared bins, in plain SVG: the members' and non-members' score
 * distributions of one attack, with vertical markers (the threshold, a selected record). A page
 * of them redraws in a few milliseconds where a recharts area chart each took 20–45 ms, and a
 * result holds one per attack, redrawn on every instant re-run (issue 10: a redraw under 200 ms,
 * no task over 100 ms). Hovering a bin shows its fractions in a readout below, as LightPlot's
 * hover does: one handler on the <svg>, where a transparent <rect> and <title> per bin were 60
 * elements a histogram, 660 a result, built and laid out on every redraw. Its <svg> carries the
 * class chart-surface, so export finds it.
 */
import { memo, useState, type MouseEvent } from 'react';
import type { ScoreHistogram } from './chart-data';

export interface HistogramMarker {
  readonly x: number;
  readonly label: string;
  readonly colour: string;
  readonly className: string;
  readonly dashed?: boolean;
}

const WIDTH = 360;
const HEIGHT = 170;
const MARGIN = { left: 40, right: 10, top: 16, bottom: 22 };
const SERIES = [
  { key: 'members', name: 'members', colour: '#d62728' },
  { key: 'nonMembers', name: 'non-members', colour: '#1f77b4' },
] as const;

function LightHistogramView({ hist, markers }: { hist: ScoreHistogram; markers: readonly HistogramMarker[] }) {
  const { bins, min, max } = hist;
  /** The hovered bin's index, or undefined. */
  const [hover, setHover] = useState<number | undefined>(undefined);
  const top = Math.max(1e-9, ...bins.map((b) => Math.max(b.members, b.nonMembers)));
  const px = (x: number) => MARGIN.left + ((x - min) / (max - min || 1)) * (WIDTH - MARGIN.left - MARGIN.right);
  const py = (y: number) => HEIGHT - MARGIN.bottom - (y / top) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const base = py(0);
  /** The closed step outline of one series: up and across each bin, back down to the axis. */
  const outline = (key: 'members' | 'nonMembers') => {
    let d = `M${px(bins[0].x).toFixed(1)},${base.toFixed(1)}`;
    for (let i = 0; i + 1 < bins.length; i++) {
      const y = py(bins[i][key]).toFixed(1);
      d += `V${y}H${px(bins[i + 1].x).toFixed(1)}`;
    }
    return `${d}V${base.toFixed(1)}Z`;
  };
  const onMove = (event: MouseEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * WIDTH;
    const at = bins.findIndex((b, i) => i + 1 < bins.length && x >= px(b.x) && x < px(bins[i + 1].x));
    setHover(at >= 0 ? at : undefined);
  };
  const hovered = hover !== undefined && hover + 1 < bins.length ? hover : undefined;
  const yTicks = [0, top / 2, top];
  const xTicks = [min, (min + max) / 2, max];
  return (
    <div className="light-histogram">
      <svg
        className="chart-surface"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label="members' and non-members' score distributions"
        onMouseMove={onMove}
        onMouseLeave={() => setHover(undefined)}
      >
        {yTicks.map((y) => (
          <g key={`y${y}`}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={py(y)} y2={py(y)} stroke="#e5e5e5" strokeDasharray="3 3" />
            <text x={MARGIN.left - 4} y={py(y) + 4} textAnchor="end" fontSize={12} fill="#666">
              {y.toFixed(2)}
            </text>
          </g>
        ))}
        {xTicks.map((x, i) => (
          <text key={`x${i}`} x={px(x)} y={HEIGHT - MARGIN.bottom + 14} textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'} fontSize={12} fill="#666">
            {x.toPrecision(2)}
          </text>
        ))}
        {bins.length > 1 &&
          SERIES.map((s) => <path key={s.key} className={`histogram-area ${s.key}`} d={outline(s.key)} fill={s.colour} fillOpacity={0.25} stroke={s.colour} strokeWidth={1} />)}
        {markers.map((m) => (
          <g key={m.className} className={m.className}>
            <line x1={px(m.x)} x2={px(m.x)} y1={MARGIN.top} y2={base} stroke={m.colour} strokeWidth={m.dashed ? 1 : 2} strokeDasharray={m.dashed ? '4 3' : undefined} />
            <text x={px(m.x)} y={MARGIN.top - 4} textAnchor="middle" fontSize={11} fill={m.colour}>
              {m.label}
            </text>
          </g>
        ))}
        {hovered !== undefined && (
          <rect className="histogram-hover" x={px(bins[hovered].x)} y={MARGIN.top} width={Math.max(0, px(bins[hovered + 1].x) - px(bins[hovered].x))} height={base - MARGIN.top} fill="#000" fillOpacity={0.06} />
        )}
      </svg>
      {hovered !== undefined && (
        <p className="plot-readout" data-testid="histogram-readout">
          {`score ≥ ${bins[hovered].x.toPrecision(4)}: members ${bins[hovered].members.toFixed(3)}, non-members ${bins[hovered].nonMembers.toFixed(3)}`}
        </p>
      )}
    </div>
  );
}

export const LightHistogram = memo(LightHistogramView);
