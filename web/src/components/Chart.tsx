// A small SVG time-series chart: one line, its time axis, events marked as
// vertical lines. No chart library: the pages need lines over time and
// nothing more.

export interface Point {
  t: number; // ms since the epoch
  v: number | null; // null: a gap
}

export interface Mark {
  t: number;
  label: string;
}

const W = 640;
const H = 160;
const PAD = { l: 52, r: 12, t: 10, b: 24 };

function fmtTime(t: number, span: number): string {
  const d = new Date(t);
  if (span > 2 * 86400_000) return d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: span < 600_000 ? "2-digit" : undefined });
}

export function Chart({
  title,
  unit,
  points,
  marks = [],
  from,
  to,
}: {
  title: string;
  unit: string;
  points: Point[];
  marks?: Mark[];
  from: number;
  to: number;
}) {
  const vals = points.map((p) => p.v).filter((v): v is number => v != null);
  const max = Math.max(1e-9, ...vals) * 1.1;
  const span = Math.max(1, to - from);
  const x = (t: number) => PAD.l + ((t - from) / span) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  let d = "";
  let pen = false;
  for (const p of points) {
    if (p.v == null) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    pen = true;
  }
  const last = vals.length ? vals[vals.length - 1] : null;
  return (
    <figure className="chart">
      <figcaption>
        {title}{" "}
        <span className="muted">
          {last == null ? "no data" : `now ${last.toFixed(2)} ${unit}`}
          {vals.length > 0 && ` · max ${Math.max(...vals).toFixed(2)} ${unit}`}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title} over time${last == null ? ": no data" : ""}`}>
        <line className="axis" x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} />
        <text className="tick" x={PAD.l - 6} y={PAD.t + 8} textAnchor="end">
          {max.toFixed(max < 10 ? 1 : 0)}
        </text>
        <text className="tick" x={PAD.l - 6} y={H - PAD.b} textAnchor="end">
          0 {unit}
        </text>
        <text className="tick" x={PAD.l} y={H - 6}>
          {fmtTime(from, span)}
        </text>
        <text className="tick" x={W - PAD.r} y={H - 6} textAnchor="end">
          {fmtTime(to, span)}
        </text>
        {marks
          .filter((m) => m.t >= from && m.t <= to)
          .map((m, i) => (
            <line key={i} className="mark" x1={x(m.t)} x2={x(m.t)} y1={PAD.t} y2={H - PAD.b}>
              <title>{m.label}</title>
            </line>
          ))}
        <path className="series" d={d} />
      </svg>
    </figure>
  );
}

/** A strip of states over time (up, degraded, down), one cell per point. */
export function StateStrip({
  title,
  points,
  from,
  to,
}: {
  title: string;
  points: { t: number; state: string }[];
  from: number;
  to: number;
}) {
  const span = Math.max(1, to - from);
  const x = (t: number) => PAD.l + ((t - from) / span) * (W - PAD.l - PAD.r);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} 28`} role="img" aria-label={`${title} over time`}>
        {points.map((p, i) => {
          const next = points[i + 1]?.t ?? to;
          return (
            <rect
              key={i}
              className={`cell state-${p.state}`}
              x={x(p.t)}
              y={4}
              width={Math.max(1, x(next) - x(p.t))}
              height={20}
            >
              <title>{`${new Date(p.t).toLocaleString()}: ${p.state}`}</title>
            </rect>
          );
        })}
      </svg>
    </figure>
  );
}
