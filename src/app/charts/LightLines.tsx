/**
 * A line chart in plain SVG for data that changes while a model trains: a few polylines and
 * tick labels, a millisecond to redraw where a recharts chart of the same lines took 100–200 ms
 * on this 2-core machine (scripts/long-tasks.ts). No tooltip or legend interaction: the finished
 * run's chart (LightPlot) has those. Its <svg> carries the class chart-surface, so export finds it.
 */
import { memo } from 'react';

export interface LightSeries {
  readonly name: string;
  readonly colour: string;
  readonly dashed?: boolean;
  readonly points: readonly (readonly [number, number])[];
}

const WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { left: 42, right: 8, top: 8, bottom: 26 };

const label = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

function LightLinesView({ series, xDomain, yDomain, xLabel }: { series: readonly LightSeries[]; xDomain: readonly [number, number]; yDomain: readonly [number, number]; xLabel: string }) {
  const [x0, x1] = xDomain;
  const [y0, y1] = yDomain;
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * (WIDTH - MARGIN.left - MARGIN.right);
  const py = (y: number) => HEIGHT - MARGIN.bottom - ((y - y0) / (y1 - y0 || 1)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  // Whole numbers for epochs; a rate or a score axis spanning a few units keeps its fractions.
  const xTicks = [...new Set([0, 0.5, 1].map((f) => x0 + f * (x1 - x0)).map((x) => (x1 - x0 > 5 ? Math.round(x) : x)))];
  return (
    <svg className="chart-surface" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={series.map((s) => s.name).join(', ')}>
      {yTicks.map((y) => (
        <g key={`y${y}`}>
          <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={py(y)} y2={py(y)} stroke="#e5e5e5" />
          <text x={MARGIN.left - 4} y={py(y) + 4} textAnchor="end" fontSize={10} fill="#666">
            {label(y)}
          </text>
        </g>
      ))}
      {xTicks.map((x) => (
        <text key={`x${x}`} x={px(x)} y={HEIGHT - MARGIN.bottom + 14} textAnchor="middle" fontSize={10} fill="#666">
          {Number.isInteger(x) ? x : label(x)}
        </text>
      ))}
      <text x={(MARGIN.left + WIDTH - MARGIN.right) / 2} y={HEIGHT - 2} textAnchor="middle" fontSize={10} fill="#666">
        {xLabel}
      </text>
      {series.map((s) => (
        <polyline
          key={s.name}
          fill="none"
          stroke={s.colour}
          strokeWidth={1.5}
          strokeDasharray={s.dashed ? '5 4' : undefined}
          points={s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y]) => `${px(x).toFixed(1)},${py(Math.min(Math.max(y, y0), y1)).toFixed(1)}`).join(' ')}
        >
          <title>{s.name}</title>
        </polyline>
      ))}
    </svg>
  );
}

export const LightLines = memo(LightLinesView);
