// Small time-series charts as SVG: one polyline per series over a shared y scale from 0.
const W = 130;
const H = 30;

/**
 * An SVG sparkline. `series` is [{values: [number|null], cls: 'sN', name}]; nulls break a line.
 * The title shows each series' last value and the chart's maximum.
 */
export function sparkline(series, unit) {
  let max = 0;
  for (const s of series) for (const v of s.values) if (v != null && v > max) max = v;
  const top = max > 0 ? max * 1.1 : 1;
  const lines = series.map((s) => {
    const n = s.values.length;
    const segments = [];
    let current = [];
    s.values.forEach((v, i) => {
      if (v == null) {
        if (current.length) segments.push(current);
        current = [];
        return;
      }
      const x = n <= 1 ? 0 : (i / (n - 1)) * W;
      const y = H - 1 - (v / top) * (H - 2);
      current.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    });
    if (current.length) segments.push(current);
    return segments
      .map((pts) => `<polyline class="${s.cls}" points="${pts.length === 1 ? pts[0] + ' ' + pts[0] : pts.join(' ')}"/>`)
      .join('');
  });
  const title = series
    .map((s) => `${s.name}: ${format(last(s.values))}${unit}`)
    .concat(`max ${format(max)}${unit}`)
    .join('\n');
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none"><title>${escapeXml(title)}</title>${lines.join('')}</svg>`;
}

/** The last non-null value, or null. */
export function last(values) {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] != null) return values[i];
  return null;
}

/** A short number: 3 significant digits, '–' for none. */
export function format(v) {
  if (v == null) return '–';
  if (v === 0) return '0';
  return Math.abs(v) >= 100 ? Math.round(v).toString() : Number(v.toPrecision(3)).toString();
}

function escapeXml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
