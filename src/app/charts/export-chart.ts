/**
 * Charts out as files. SVG: the chart's <svg> elements serialised into one document, with
 * the parts drawn in HTML (legend labels, sub-chart headings) written as SVG text at the
 * places they occupy on screen, and the chart's title on top. PNG: that SVG drawn on a canvas at
 * twice the size. The document assembly is pure (svgDocument, svgSize) and tested in Node; the
 * DOM reading and the canvas need a browser.
 */

export interface SvgPart {
  readonly x: number;
  readonly y: number;
  /** A serialised <svg> element. */
  readonly markup: string;
}

export interface SvgText {
  readonly x: number;
  /** Baseline. */
  readonly y: number;
  readonly text: string;
  readonly colour?: string;
  readonly size?: number;
  readonly bold?: boolean;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const round = (v: number) => Math.round(v * 10) / 10;

/** One standalone SVG document: a white page, each part placed at (x, y), then the texts. */
export function svgDocument(width: number, height: number, parts: readonly SvgPart[], texts: readonly SvgText[] = []): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  const body = [
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts.map((p) => `<g transform="translate(${round(p.x)},${round(p.y)})">${p.markup}</g>`),
    ...texts.map(
      (t) =>
        `<text x="${round(t.x)}" y="${round(t.y)}" font-size="${t.size ?? 12}" fill="${escapeXml(t.colour ?? '#222')}"${t.bold ? ' font-weight="600"' : ''}>${escapeXml(t.text)}</text>`,
    ),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="${SVG_NS}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif">${body.join('')}</svg>\n`;
}

/** Width and height of an SVG document from its attributes (else its viewBox). */
export function svgSize(svg: string): { width: number; height: number } | undefined {
  const open = /<svg\b[^>]*>/i.exec(svg)?.[0];
  if (!open) return undefined;
  const attr = (name: string) => new RegExp(`\\s${name}="([\\d.]+)(px)?"`).exec(open)?.[1];
  const width = Number(attr('width'));
  const height = Number(attr('height'));
  if (width > 0 && height > 0) return { width, height };
  const box = /viewBox="[\d.\s-]+"/.exec(open)?.[0].match(/[\d.]+/g)?.map(Number);
  return box && box.length === 4 ? { width: box[2], height: box[3] } : undefined;
}

/** A safe file name from a chart title: "ROC curves" → "roc-curves". */
export function fileStem(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
}

// ---- browser only below ----

/** The chart in `container` as one SVG document, titled. */
export function chartToSvg(container: HTMLElement, title: string): string {
  const origin = container.getBoundingClientRect();
  const TITLE_HEIGHT = 28;
  const serializer = new XMLSerializer();
  const parts: SvgPart[] = [];
  const svgs = [...container.querySelectorAll<SVGSVGElement>('svg.chart-surface')];
  for (const svg of svgs) {
    const rect = svg.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const copy = svg.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('xmlns', SVG_NS);
    copy.setAttribute('width', String(rect.width));
    copy.setAttribute('height', String(rect.height));
    parts.push({ x: rect.left - origin.left, y: rect.top - origin.top + TITLE_HEIGHT, markup: serializer.serializeToString(copy) });
  }
  const texts: SvgText[] = [{ x: 4, y: 18, text: title, size: 15, bold: true }];
  for (const el of container.querySelectorAll<HTMLElement>('.legend-item-text, h4, .subchart small')) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0) continue;
    const style = getComputedStyle(el);
    const size = Number.parseFloat(style.fontSize) || 12;
    texts.push({ x: rect.left - origin.left, y: rect.top - origin.top + TITLE_HEIGHT + size, text: el.textContent ?? '', colour: style.color, size, bold: el.tagName === 'H4' });
  }
  return svgDocument(Math.max(origin.width, 200), origin.height + TITLE_HEIGHT, parts, texts);
}

/** Draw an SVG document on a canvas and encode it as PNG. */
export async function svgToPng(svg: string, scale = 2): Promise<Blob> {
  const size = svgSize(svg) ?? { width: 800, height: 600 };
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(size.width * scale);
    canvas.height = Math.ceil(size.height * scale);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('this browser gives no 2D canvas to draw the PNG on');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas could not be encoded as PNG'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadSvg(name: string, svg: string): void {
  downloadBlob(name, new Blob([svg], { type: 'image/svg+xml' }));
}

export async function downloadPng(name: string, svg: string): Promise<void> {
  downloadBlob(name, await svgToPng(svg));
}
