/**
 * Two small hand-written SVG charts for the Table 1 bench: lines (y against a
 * linear x) and labelled points (y against a log-scale x). No dependencies.
 */

export interface Series {
  name: string;
  /** [x, y] points in drawing order. */
  points: [number, number][];
}

export interface ChartText {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Optional line under the title. */
  subtitle?: string;
}

const WIDTH = 860;
const HEIGHT = 500;
const M = { left: 70, right: 210, top: 60, bottom: 60 };
const PW = WIDTH - M.left - M.right;
const PH = HEIGHT - M.top - M.bottom;

/** Colour-blind-safe palette (Okabe–Ito), then greys. */
export const PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#D55E00', '#0072B2', '#CC79A7', '#000000', '#999999', '#F0E442'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number): string => (Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(3).replace(/\.?0+$/, ''));
const px = (v: number): string => v.toFixed(1);

/** "Nice" linear ticks covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Integer ticks covering [lo, hi], step 1, 2, 5, 10, 20, … */
export function integerTicks(lo: number, hi: number, maxTicks = 12): number[] {
  const span = Math.max(1, hi - lo);
  let step = 1;
  for (let k = 0; step * maxTicks < span; k++) step = [1, 2, 5][(k + 1) % 3]! * 10 ** Math.floor((k + 1) / 3);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) ticks.push(t);
  return ticks;
}

function frame(text: ChartText, inner: string[], legend: string[]): string {
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="16" font-weight="bold">${escapeXml(text.title)}</text>`,
  );
  if (text.subtitle) out.push(`<text x="${M.left}" y="42" font-size="11" fill="#444444">${escapeXml(text.subtitle)}</text>`);
  out.push(...inner);
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#333333"/>`,
    `<text x="${M.left + PW / 2}" y="${HEIGHT - 16}" text-anchor="middle">${escapeXml(text.xLabel)}</text>`,
    `<text transform="translate(18 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(text.yLabel)}</text>`,
  );
  out.push(...legend);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function legendEntries(names: string[], marker: (i: number, x: number, y: number) => string): string[] {
  const out: string[] = [];
  const x = M.left + PW + 16;
  names.forEach((name, i) => {
    const y = M.top + 10 + i * 20;
    out.push(marker(i, x, y), `<text x="${x + 28}" y="${y + 4}">${escapeXml(name)}</text>`);
  });
  return out;
}

function yAxis(yLo: number, yHi: number, yOf: (v: number) => number): string[] {
  const out: string[] = [];
  for (const t of linearTicks(yLo, yHi)) {
    const y = yOf(t);
    out.push(
      `<line x1="${M.left}" y1="${px(y)}" x2="${M.left + PW}" y2="${px(y)}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${px(y + 4)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  return out;
}

/** Lines of y against x (linear axes). y range: [0, yMax] with yMax from the data unless given. */
export function lineChart(series: Series[], text: ChartText, opts: { yMax?: number } = {}): string {
  const all = series.flatMap((s) => s.points);
  const xLo = Math.min(1, ...all.map((p) => p[0]));
  const xHi = Math.max(xLo + 1, ...all.map((p) => p[0]));
  const yHi = opts.yMax ?? Math.max(1, ...all.map((p) => p[1])) * 1.05;
  const xOf = (v: number): number => M.left + ((v - xLo) / (xHi - xLo)) * PW;
  const yOf = (v: number): number => M.top + PH - (v / yHi) * PH;
  const inner = yAxis(0, yHi, yOf);
  const xt = integerTicks(xLo, xHi, 12);
  for (const t of xt) {
    inner.push(
      `<line x1="${px(xOf(t))}" y1="${M.top + PH}" x2="${px(xOf(t))}" y2="${M.top + PH + 5}" stroke="#333333"/>`,
      `<text x="${px(xOf(t))}" y="${M.top + PH + 18}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    if (s.points.length === 0) return;
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${px(xOf(p[0]))},${px(yOf(p[1]))}`).join(' ');
    inner.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of s.points) inner.push(`<circle cx="${px(xOf(p[0]))}" cy="${px(yOf(p[1]))}" r="3" fill="${colour}"/>`);
  });
  const legend = legendEntries(
    series.map((s) => s.name),
    (i, x, y) => `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="3"/>`,
  );
  return frame(text, inner, legend);
}

/** One labelled point per series (its first point), y against log10 x. */
export function logScatter(series: Series[], text: ChartText, opts: { yMax?: number } = {}): string {
  const pts = series.filter((s) => s.points.length > 0 && s.points[0]![0] > 0);
  const logs = pts.map((s) => Math.log10(s.points[0]![0]));
  // Half a decade of room on each side, whole decades as grid lines.
  const lo = Math.floor((logs.length ? Math.min(...logs) : 0) - 0.5);
  const hi = Math.max(lo + 1, Math.ceil((logs.length ? Math.max(...logs) : 0) + 0.5));
  const yHi = opts.yMax ?? Math.max(1, ...pts.map((s) => s.points[0]![1])) * 1.1;
  const xOf = (v: number): number => M.left + ((Math.log10(v) - lo) / (hi - lo)) * PW;
  const yOf = (v: number): number => M.top + PH - (v / yHi) * PH;
  const inner = yAxis(0, yHi, yOf);
  for (let e = lo; e <= hi; e++) {
    const x = xOf(10 ** e);
    inner.push(
      `<line x1="${px(x)}" y1="${M.top}" x2="${px(x)}" y2="${M.top + PH}" stroke="#e5e5e5"/>`,
      `<text x="${px(x)}" y="${M.top + PH + 18}" text-anchor="middle">${fmtPow(e)}</text>`,
    );
    if (e < hi) {
      for (let k = 2; k < 10; k++) {
        const xm = xOf(k * 10 ** e);
        inner.push(`<line x1="${px(xm)}" y1="${M.top + PH}" x2="${px(xm)}" y2="${M.top + PH + 4}" stroke="#333333"/>`);
      }
    }
  }
  // Labels beside their points (left of them in the right third), placed from the top down;
  // a label that would overlap one already placed moves down below it.
  const placed: { x0: number; x1: number; y: number }[] = [];
  const order = series
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.points.length > 0 && s.points[0]![0] > 0)
    .sort((a, b) => b.s.points[0]![1] - a.s.points[0]![1]);
  for (const { s, i } of order) {
    const [x, y] = s.points[0]!;
    const cx = xOf(x);
    const cy = yOf(y);
    const colour = PALETTE[i % PALETTE.length]!;
    const width = 6.2 * s.name.length;
    const right = cx < M.left + (2 * PW) / 3;
    const x0 = right ? cx + 10 : cx - 10 - width;
    let ly = cy + 4;
    for (let guard = 0; guard < series.length; guard++) {
      const hit = placed.find((p) => p.x0 < x0 + width && x0 < p.x1 && Math.abs(p.y - ly) < 12);
      if (!hit) break;
      ly = hit.y + 12;
    }
    placed.push({ x0, x1: x0 + width, y: ly });
    inner.push(
      `<circle cx="${px(cx)}" cy="${px(cy)}" r="6" fill="${colour}" stroke="#333333"/>`,
      `<text x="${px(right ? cx + 10 : cx - 10)}" y="${px(ly)}" font-size="11"${right ? '' : ' text-anchor="end"'}>${escapeXml(s.name)}</text>`,
    );
  }
  const legend = legendEntries(
    series.map((s) => s.name),
    (i, x, y) => `<circle cx="${x + 11}" cy="${y}" r="6" fill="${PALETTE[i % PALETTE.length]}" stroke="#333333"/>`,
  );
  return frame(text, inner, legend);
}

/** 10^e as a plain number (0.001 … 1000), otherwise as 1e<e>. */
function fmtPow(e: number): string {
  return e >= -3 && e <= 3 ? String(Number((10 ** e).toFixed(Math.max(0, -e)))) : `1e${e}`;
}
