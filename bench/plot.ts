// Small SVG line charts for benchmark curves: a grid of panels, each with axes,
// ticks and one line per series. Plain SVG text, viewable in any browser or
// Markdown preview, with no plotting dependency.

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw markers only (sparse points such as evaluations). */
  markers?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed y range (for shares 0..1); otherwise from the data. */
  yRange?: readonly [number, number];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const W = 460;
const H = 300;
const M = { left: 56, right: 16, top: 34, bottom: 44 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= 6)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function panelSvg(panel: Panel, ox: number, oy: number): string {
  const all = panel.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = panel.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (x: number) => ox + M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number) => oy + H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(`<text x="${ox + W / 2}" y="${oy + 20}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`);
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${px(x0)}" x2="${px(x1)}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    parts.push(`<text x="${px(x0) - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of ticks(x0, x1)) {
    parts.push(`<text x="${px(t)}" y="${oy + H - M.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${px(x0)}" y="${py(y1)}" width="${px(x1) - px(x0)}" height="${py(y0) - py(y1)}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${ox + W / 2}" y="${oy + H - 8}" text-anchor="middle">${esc(panel.xLabel)}</text>`);
  parts.push(`<text transform="translate(${ox + 14} ${oy + H / 2}) rotate(-90)" text-anchor="middle">${esc(panel.yLabel)}</text>`);
  panel.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    if (s.markers) {
      for (const [x, y] of s.points) parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${color}"/>`);
    } else if (s.points.length > 0) {
      const d = s.points.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    }
    parts.push(`<rect x="${ox + M.left + 8}" y="${oy + M.top + 6 + i * 16}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${ox + M.left + 22}" y="${oy + M.top + 15 + i * 16}">${esc(s.name)}</text>`);
  });
  return parts.join('\n');
}

/** Panels laid out `columns` wide, as one SVG document. */
export function chartSvg(panels: Panel[], columns = 2): string {
  const rows = Math.ceil(panels.length / columns);
  const width = W * Math.min(columns, panels.length);
  const height = H * rows;
  const body = panels.map((p, i) => panelSvg(p, (i % columns) * W, Math.floor(i / columns) * H)).join('\n');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`
  );
}
