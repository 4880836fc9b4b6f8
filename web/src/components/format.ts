// Number and time formats shared by the pages.

export function ms(v: number | null | undefined): string {
  return v == null ? "–" : `${v.toFixed(v < 10 ? 2 : 1)} ms`;
}

export function pct(v: number | null | undefined): string {
  return v == null ? "–" : `${v.toFixed(v < 1 ? 2 : 1)} %`;
}

export function when(t: string | null | undefined): string {
  if (!t) return "never";
  const d = new Date(t);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function ago(t: string | null | undefined, now = Date.now()): string {
  if (!t) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(t)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** A byte count in B, kB, MB, GB (powers of 1000). */
export function bytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 9.995 ? 2 : 1)} ${units[u]}`;
}
