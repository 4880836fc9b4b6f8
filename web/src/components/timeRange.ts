// The time-range inputs of the filter forms: <input type="datetime-local">
// gives local wall-clock text ("2026-12-03T14:05"); the API wants RFC 3339.

/** The instant of a datetime-local value, RFC 3339 (UTC); null when empty or invalid. */
export function localToISO(v: string): string | null {
  if (!v) return null;
  const t = new Date(v);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}
