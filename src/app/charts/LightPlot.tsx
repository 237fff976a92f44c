/**
 * An x–y plot in plain SVG for the charts every instant re-run redraws (the ROC curves, attack
 * accuracy vs gap, privacy vs utility): lines and points on linear or log axes, an HTML legend and a hover readout.
 * recharts took 60–200 ms of one main-thread task per redraw of either chart on this 2-core
 * machine (its store, its measurements, a component per point), so a slider that re-attacks in
 * 100 ms still froze the page; this draws both in a few milliseconds (issue 10). Its <svg> carries
 * the class chart-surface and the legend's labels the class legend-item-text, so export finds them.
 */
import { memo, useMemo, useState, type MouseEvent } from 'react';

export type Scale = 'linear' | 'log';

export interface PlotSeries {
  readonly name: string;
  readonly colour: string;
  readonly kind: 'line' | 'points';
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: string;
  readonly width?: number;
  readonly opacity?: number;
  /** Left out of the legend (guides, bands, trajectories). */
  readonly unlisted?: boolean;
  /** A hover text per point (kind 'points'); otherwise the series' name and the point's values. */
  readonly titles?: readonly string[];
}

export interface PlotAxis {
  readonly scale: Scale;
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
  readonly format: (v: number) => string;
  readonly label: string;
}

/** Five evenly spaced ticks over a domain. */
export function spread([a, b]: readonly [number, number]): number[] {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => a + f * (b - a));
}

/** An x axis of whole epochs from the first to the last one given. */
export function epochAxis(epochs: readonly number[]): PlotAxis {
  const first = Math.min(...epochs);
  const last = Math.max(first + 1, ...epochs);
  const ticks = [...new Set(spread([first, last]).map(Math.round))];
  return { scale: 'linear', domain: [first, last], ticks, format: (v) => String(Math.round(v)), label: 'epoch' };
}

const WIDTH = 520;
const HEIGHT = 320;
const MARGIN = { left: 52, right: 14, top: 10, bottom: 38 };

/** Axis position of `v` in [0, 1] of the axis' length (log axes clamp to their domain). */
function fraction(axis: PlotAxis, v: number): number {
  const [a, b] = axis.domain;
  if (axis.scale === 'log') {
    const at = Math.log10(Math.min(Math.max(v, a), b));
    return (at - Math.log10(a)) / (Math.log10(b) - Math.log10(a) || 1);
  }
  return (v - a) / (b - a || 1);
}

/** The data value at `f` of the axis' length: fraction's inverse. */
function valueAt(axis: PlotAxis, f: number): number {
  const [a, b] = axis.domain;
  return axis.scale === 'log' ? 10 ** (Math.log10(a) + f * (Math.log10(b) - Math.log10(a))) : a + f * (b - a);
}

const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

interface Props {
  readonly series: readonly PlotSeries[];
  readonly x: PlotAxis;
  readonly y: PlotAxis;
  /** The x under the mouse (undefined when it leaves): the ROC links it to the Records view. */
  readonly onHoverX?: (x: number | undefined) => void;
  /** What the readout says at x for the listed series (e.g. each curve's TPR at that FPR). */
  readonly readout?: (x: number) => string[];
}

function LightPlotView({ series, x, y, onHoverX, readout }: Props) {
  const [hover, setHover] = useState<number | undefined>(undefined);
  const px = (v: number) => MARGIN.left + fraction(x, v) * PLOT_W;
  const py = (v: number) => MARGIN.top + (1 - fraction(y, v)) * PLOT_H;
  const onMove = (event: MouseEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const f = ((event.clientX - box.left) / box.width) * WIDTH;
    const at = valueAt(x, Math.min(Math.max((f - MARGIN.left) / PLOT_W, 0), 1));
    setHover(at);
    onHoverX?.(at);
  };
  const onLeave = () => {
    setHover(undefined);
    onHoverX?.(undefined);
  };
  const listed = series.filter((s) => !s.unlisted);
  // The axes and the series, kept while only the hover moves (a mouse move re-renders the plot).
  const drawing = useMemo(
    () => (
      <>
        {y.ticks.map((t) => (
          <g key={`y${t}`}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={py(t)} y2={py(t)} stroke="#e5e5e5" strokeDasharray="3 3" />
            <text x={MARGIN.left - 5} y={py(t) + 4} textAnchor="end" fontSize={11} fill="#666">
              {y.format(t)}
            </text>
          </g>
        ))}
        {x.ticks.map((t) => (
          <g key={`x${t}`}>
            <line x1={px(t)} x2={px(t)} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} stroke="#e5e5e5" strokeDasharray="3 3" />
            <text x={px(t)} y={HEIGHT - MARGIN.bottom + 15} textAnchor="middle" fontSize={11} fill="#666">
              {x.format(t)}
            </text>
          </g>
        ))}
        <text x={MARGIN.left + PLOT_W / 2} y={HEIGHT - 4} textAnchor="middle" fontSize={12} fill="#444">
          {x.label}
        </text>
        <text x={12} y={MARGIN.top + PLOT_H / 2} textAnchor="middle" fontSize={12} fill="#444" transform={`rotate(-90 12 ${MARGIN.top + PLOT_H / 2})`}>
          {y.label}
        </text>
        {series.map((s) =>
          s.kind === 'line' ? (
            <polyline
              key={s.name}
              className="plot-line"
              data-series={s.name}
              fill="none"
              stroke={s.colour}
              strokeWidth={s.width ?? 1.5}
              strokeOpacity={s.opacity}
              strokeDasharray={s.dashed}
              points={s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(' ')}
            >
              <title>{s.name}</title>
            </polyline>
          ) : (
            <g key={s.name} data-series={s.name}>
              {s.points.map(([a, b], i) => (
                <circle key={i} className="plot-point" cx={px(a)} cy={py(b)} r={4.5} fill={s.colour} fillOpacity={s.opacity}>
                  <title>{s.titles?.[i] ?? `${s.name}: ${x.format(a)}, ${y.format(b)}`}</title>
                </circle>
              ))}
            </g>
          ),
        )}
      </>
    ),
    [series, x, y], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return (
    <div className="light-plot">
      <ul className="light-legend">
        {listed.map((s) => (
          <li key={s.name}>
            <span className={s.kind === 'points' ? 'swatch dot' : 'swatch'} style={{ background: s.colour }} />
            <span className="legend-item-text" style={{ color: s.colour }}>
              {s.name}
            </span>
          </li>
        ))}
      </ul>
      <svg className="chart-surface" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={listed.map((s) => s.name).join(', ')} onMouseMove={onMove} onMouseLeave={onLeave}>
        {drawing}
        {hover !== undefined && <line x1={px(hover)} x2={px(hover)} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} stroke="#999" />}
      </svg>
      {hover !== undefined && readout && (
        <p className="plot-readout" data-testid="plot-readout">
          {[`${x.label} ${x.format(hover)}`, ...readout(hover)].join(' · ')}
        </p>
      )}
    </div>
  );
}

export const LightPlot = memo(LightPlotView);
