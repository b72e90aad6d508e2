// Minimal SVG line charts (no dependencies) for training curves.
export interface Series { name: string; points: [number, number][]; }

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]!));

/** One chart: x/y axes with 5 ticks each, a line per series, legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], w = 480, h = 300): string {
  // The legend sits in its own band under the title, so it never covers a line.
  const pad = {l: 56, r: 16, t: 32 + 16 * series.length, b: 40};
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const sx = (x: number) => pad.l + (x1 === x0 ? 0 : (x - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const sy = (y: number) => h - pad.b - (y - y0) / (y1 - y0) * (h - pad.t - pad.b);
  const ticks = (a: number, b: number) => Array.from({length: 5}, (_, i) => a + (b - a) * i / 4);
  const parts = [
    `<text x="${w / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#333"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${h - pad.b}" stroke="#333"/>`,
    ...ticks(x0, x1).map((x) => `<text x="${sx(x)}" y="${h - pad.b + 14}" text-anchor="middle" font-size="10">${+x.toFixed(2)}</text>`),
    ...ticks(y0, y1).map((y) => `<text x="${pad.l - 4}" y="${sy(y) + 3}" text-anchor="end" font-size="10">${+y.toFixed(3)}</text><line x1="${pad.l}" y1="${sy(y)}" x2="${w - pad.r}" y2="${sy(y)}" stroke="#eee"/>`),
    `<text x="${w / 2}" y="${h - 6}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
    `<text x="12" y="${h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${h / 2})">${esc(yLabel)}</text>`,
    ...series.map((s, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`),
    ...series.map((s, i) => `<rect x="${pad.l + 8}" y="${24 + 16 * i}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${pad.l + 23}" y="${33 + 16 * i}" font-size="11">${esc(s.name)}</text>`),
  ];
  return `<g>${parts.join('')}</g>`;
}

/** Charts side by side in one SVG document. */
export function svgDocument(charts: string[], w = 480, h = 300): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w * charts.length}" height="${h}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    charts.map((c, i) => `<g transform="translate(${i * w},0)">${c}</g>`).join('') + '</svg>';
}
