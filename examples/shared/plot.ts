// Minimal SVG line charts (no dependencies) for training curves.
export interface Series { name: string; points: [number, number][]; dots?: boolean; }

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]!));

/**
 * Axis ticks at 1-2-5 steps (…, 0.1, 0.2, 0.5, 1, 2, 5, …) covering [a, b] with about `target`
 * intervals; the axis runs from the first tick to the last, so both ends carry a label.
 */
export function niceTicks(a: number, b: number, target = 5): {ticks: number[]; decimals: number} {
  if (!(b > a)) { a -= 1; b += 1; }
  const raw = (b - a) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9))!;
  const first = Math.floor(a / step + 1e-9), last = Math.ceil(b / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  // Multiples of the step, rounded to its decimals so 0.1·3 prints as 0.3.
  const ticks = Array.from({length: last - first + 1}, (_, i) => +((first + i) * step).toFixed(decimals));
  return {ticks, decimals};
}

/** One chart: x/y axes with 1-2-5 ticks, a line per series (with a dot at each point when `dots`), legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], w = 480, h = 300): string {
  // The legend sits in its own band under the title, so it never covers a line.
  const pad = {l: 56, r: 16, t: 32 + 16 * series.length, b: 40};
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const xt = niceTicks(Math.min(0, ...xs), Math.max(...xs)), yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [xt.ticks[0], xt.ticks[xt.ticks.length - 1]], [y0, y1] = [yt.ticks[0], yt.ticks[yt.ticks.length - 1]];
  const sx = (x: number) => pad.l + (x - x0) / (x1 - x0) * (w - pad.l - pad.r);
  const sy = (y: number) => h - pad.b - (y - y0) / (y1 - y0) * (h - pad.t - pad.b);
  const color = (i: number) => COLORS[i % COLORS.length];
  const parts = [
    `<text x="${w / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#333"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${h - pad.b}" stroke="#333"/>`,
    ...xt.ticks.map((x) => `<text x="${sx(x)}" y="${h - pad.b + 14}" text-anchor="middle" font-size="10">${x.toFixed(xt.decimals)}</text>`),
    ...yt.ticks.map((y) => `<text x="${pad.l - 4}" y="${sy(y) + 3}" text-anchor="end" font-size="10">${y.toFixed(yt.decimals)}</text><line x1="${pad.l}" y1="${sy(y)}" x2="${w - pad.r}" y2="${sy(y)}" stroke="#eee"/>`),
    `<text x="${w / 2}" y="${h - 6}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
    `<text x="12" y="${h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${h / 2})">${esc(yLabel)}</text>`,
    ...series.map((s, i) => `<polyline fill="none" stroke="${color(i)}" stroke-width="2" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`),
    ...series.flatMap((s, i) => (s.dots ? s.points.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color(i)}"/>`) : [])),
    ...series.map((s, i) => `<rect x="${pad.l + 8}" y="${24 + 16 * i}" width="10" height="10" fill="${color(i)}"/><text x="${pad.l + 23}" y="${33 + 16 * i}" font-size="11">${esc(s.name)}</text>`),
  ];
  return `<g>${parts.join('')}</g>`;
}

/** Charts side by side in one SVG document. */
export function svgDocument(charts: string[], w = 480, h = 300): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w * charts.length}" height="${h}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    charts.map((c, i) => `<g transform="translate(${i * w},0)">${c}</g>`).join('') + '</svg>';
}
