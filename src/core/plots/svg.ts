/**
 * Small, dependency-free SVG figures for reports written outside the browser (the CLI's suites):
 * ROC curves on log-log axes, scatter plots with reference lines, heatmaps. Pure strings.
 */

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface Line {
  readonly name: string;
  /** y as a function of x, drawn over the x range. */
  readonly f: (x: number) => number;
  readonly dashed?: boolean;
}

const WIDTH = 560;
const HEIGHT = 400;
const MARGIN = { left: 64, right: 160, top: 36, bottom: 52 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#000000'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x: number) => (Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(0) : String(+x.toPrecision(3)));

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly log: boolean;
  readonly label: string;
}

function scale(axis: Axis, from: number, to: number): (v: number) => number {
  const t = (v: number) => (axis.log ? Math.log10(Math.max(v, axis.min)) : v);
  const [a, b] = [t(axis.min), t(axis.max)];
  return (v) => from + ((t(v) - a) / (b - a || 1)) * (to - from);
}

function ticks(axis: Axis): number[] {
  if (axis.log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(axis.min)); e <= Math.ceil(Math.log10(axis.max)); e++) {
      const v = 10 ** e;
      if (v >= axis.min * 0.999 && v <= axis.max * 1.001) out.push(v);
    }
    return out;
  }
  return Array.from({ length: 6 }, (_, i) => axis.min + ((axis.max - axis.min) * i) / 5);
}

function frame(title: string, x: Axis, y: Axis, body: string[], legend: readonly { name: string; colour: string; dashed?: boolean }[]): string {
  const sx = scale(x, MARGIN.left, WIDTH - MARGIN.right);
  const sy = scale(y, HEIGHT - MARGIN.bottom, MARGIN.top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2}" y="20" text-anchor="middle" font-size="13">${escape(title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${WIDTH - MARGIN.left - MARGIN.right}" height="${HEIGHT - MARGIN.top - MARGIN.bottom}" fill="none" stroke="#444"/>`,
  ];
  for (const v of ticks(x)) {
    parts.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom + 4}" stroke="#444"/>`);
    parts.push(`<text x="${sx(v)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  for (const v of ticks(y)) {
    parts.push(`<line x1="${MARGIN.left - 4}" x2="${MARGIN.left}" y1="${sy(v)}" y2="${sy(v)}" stroke="#444"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${sy(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  parts.push(`<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escape(x.label)}</text>`);
  parts.push(`<text transform="translate(16 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(y.label)}</text>`);
  parts.push(...body);
  legend.forEach((entry, i) => {
    const ly = MARGIN.top + 8 + i * 16;
    const lx = WIDTH - MARGIN.right + 10;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${entry.colour}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    parts.push(`<text x="${lx + 24}" y="${ly + 4}">${escape(entry.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** ROC curves, by default on log-log axes down to `minFpr` (Carlini et al., arXiv:2112.03570: read attacks at low FPR). */
export function rocSvg(title: string, curves: readonly Series[], options: { log?: boolean; minFpr?: number } = {}): string {
  const log = options.log ?? true;
  const min = log ? options.minFpr ?? 1e-3 : 0;
  const x: Axis = { min, max: 1, log, label: 'false positive rate' };
  const y: Axis = { min, max: 1, log, label: 'true positive rate' };
  const sx = scale(x, MARGIN.left, WIDTH - MARGIN.right);
  const sy = scale(y, HEIGHT - MARGIN.bottom, MARGIN.top);
  const clamp = (v: number) => Math.max(v, min);
  const body = [`<line x1="${sx(min)}" y1="${sy(min)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#999" stroke-dasharray="4 3"/>`];
  curves.forEach((curve, i) => {
    // Thousands of ROC points fall on a few hundred pixels: keep one per rounded position.
    const points = curve.points.filter(([fpr]) => !log || fpr > 0).map(([fpr, tpr]) => `${sx(clamp(fpr)).toFixed(1)},${sy(clamp(tpr)).toFixed(1)}`);
    const d = points.filter((p, k) => k === 0 || k === points.length - 1 || p !== points[k - 1]).map((p, k) => `${k === 0 ? 'M' : 'L'}${p}`);
    body.push(`<path d="${d.join('')}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5"/>`);
  });
  const legend = [...curves.map((c, i) => ({ name: c.name, colour: COLOURS[i % COLOURS.length] })), { name: 'chance', colour: '#999', dashed: true }];
  return frame(title, x, y, body, legend);
}

/** Points per series, with reference lines (e.g. the (1+g)/2 identity). */
export function scatterSvg(title: string, xLabel: string, yLabel: string, series: readonly Series[], lines: readonly Line[] = []): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map(([px]) => px);
  const ys = all.map(([, py]) => py);
  const pad = (lo: number, hi: number) => (hi - lo < 1e-9 ? [lo - 0.05, hi + 0.05] : [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)]);
  const [x0, x1] = pad(Math.min(0, ...xs), Math.max(...xs, 0.1));
  const [y0, y1] = pad(Math.min(0.5, ...ys), Math.max(...ys, 0.6));
  const x: Axis = { min: x0, max: x1, log: false, label: xLabel };
  const y: Axis = { min: y0, max: y1, log: false, label: yLabel };
  const sx = scale(x, MARGIN.left, WIDTH - MARGIN.right);
  const sy = scale(y, HEIGHT - MARGIN.bottom, MARGIN.top);
  const body: string[] = [];
  lines.forEach((line, i) => {
    const steps = Array.from({ length: 41 }, (_, k) => x0 + ((x1 - x0) * k) / 40);
    const d = steps.map((v, k) => `${k === 0 ? 'M' : 'L'}${sx(v).toFixed(1)},${sy(Math.min(Math.max(line.f(v), y0), y1)).toFixed(1)}`);
    body.push(`<path d="${d.join('')}" fill="none" stroke="${i === 0 ? '#444' : '#999'}" stroke-width="1.2"${line.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
  });
  series.forEach((s, i) => {
    for (const [px, py] of s.points) body.push(`<circle cx="${sx(px).toFixed(1)}" cy="${sy(py).toFixed(1)}" r="3.5" fill="${COLOURS[i % COLOURS.length]}" fill-opacity="0.8"/>`);
  });
  const legend = [
    ...series.map((s, i) => ({ name: s.name, colour: COLOURS[i % COLOURS.length] })),
    ...lines.map((l, i) => ({ name: l.name, colour: i === 0 ? '#444' : '#999', dashed: l.dashed })),
  ];
  return frame(title, x, y, body, legend);
}

/** A rows × columns grid of values in [lo, hi], each cell coloured and labelled. */
export function heatmapSvg(title: string, rowLabels: readonly string[], columnLabels: readonly string[], values: readonly (readonly number[])[], range: readonly [number, number] = [0.5, 1]): string {
  const cell = 64;
  const left = 140;
  const top = 60;
  const width = left + cell * columnLabels.length + 20;
  const height = top + cell * rowLabels.length + 30;
  const colour = (v: number) => {
    const t = Math.min(Math.max((v - range[0]) / (range[1] - range[0] || 1), 0), 1);
    return `rgb(${Math.round(255 - 40 * t)},${Math.round(255 - 200 * t)},${Math.round(255 - 200 * t)})`;
  };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="13">${escape(title)}</text>`,
  ];
  columnLabels.forEach((label, c) => parts.push(`<text x="${left + c * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${escape(label)}</text>`));
  rowLabels.forEach((label, r) => {
    parts.push(`<text x="${left - 8}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end">${escape(label)}</text>`);
    columnLabels.forEach((_, c) => {
      const v = values[r][c];
      parts.push(`<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="${Number.isFinite(v) ? colour(v) : '#eee'}" stroke="white"/>`);
      parts.push(`<text x="${left + c * cell + cell / 2}" y="${top + r * cell + cell / 2 + 4}" text-anchor="middle">${Number.isFinite(v) ? v.toFixed(3) : '—'}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
