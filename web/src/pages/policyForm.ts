// The Policies page's form model: the policy set as editable text fields,
// its conversion to setPolicySet's input, the diff shown before applying,
// and the field paths of the server's errors (package policy's snake_case
// paths: "sla_classes[0].max_latency", "policies[1].sla_class").
import type { PolicySetInput, SteeringMode, PolicyEditorQuery } from "../gql/graphql";

type Stored = PolicyEditorQuery["policySet"];

export interface ClassForm {
  name: string;
  maxLatency: string;
  maxJitter: string;
  maxLossPct: string;
}

export interface AppForm {
  name: string;
  class: string;
  cidrs: string;
  sourceCidrs: string;
  protocols: string;
  ports: string;
  dscp: string;
  domains: string;
  /** The alternative match rules (match_any), kept as they are: edited with `patronus ctl policy`. */
  matchAny: NonNullable<PolicySetInput["applications"]>[number]["matchAny"];
}

export interface PolicyForm {
  name: string;
  slaClass: string;
  colors: string;
  mode: "" | Exclude<SteeringMode, "UNSPECIFIED">;
  applications: string;
  classes: string;
  /** "": the default; "on", "off". */
  compression: "" | "on" | "off";
}

export interface SetForm {
  classes: ClassForm[];
  apps: AppForm[];
  disableBuiltinApplications: boolean;
  policies: PolicyForm[];
  /** Kept as they are (not edited here). */
  steering: PolicySetInput["steering"];
  qualityModel: PolicySetInput["qualityModel"];
}

const list = (v: readonly string[] | null | undefined) => (v ?? []).join(", ");
const split = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const orNull = (v: string) => (v.trim() ? v.trim() : null);
const noNulls = <T extends object>(o: T | null | undefined) =>
  o ? (Object.fromEntries(Object.entries(o).filter(([k, v]) => v != null && k !== "__typename")) as T) : null;

/** The stored set as form fields. */
export function toForm(ps: Stored): SetForm {
  return {
    classes: ps.slaClasses.map((c) => ({
      name: c.name,
      maxLatency: c.maxLatency ?? "",
      maxJitter: c.maxJitter ?? "",
      maxLossPct: c.maxLossPct ? String(c.maxLossPct) : "",
    })),
    apps: ps.applications.map((a) => ({
      name: a.name,
      class: a.class,
      cidrs: list(a.match?.cidrs),
      sourceCidrs: list(a.match?.sourceCidrs),
      protocols: list(a.match?.protocols),
      ports: list(a.match?.ports),
      dscp: list(a.match?.dscp),
      domains: list(a.match?.domains),
      matchAny: a.matchAny.map((m) => ({ cidrs: m.cidrs, sourceCidrs: m.sourceCidrs, protocols: m.protocols, ports: m.ports, dscp: m.dscp, domains: m.domains })),
    })),
    disableBuiltinApplications: ps.disableBuiltinApplications,
    policies: ps.policies.map((p) => ({
      name: p.name,
      slaClass: p.slaClass,
      colors: list(p.colors),
      mode: p.mode === "UNSPECIFIED" ? "" : p.mode,
      applications: list(p.match?.applications),
      classes: list(p.match?.classes),
      compression: p.compression == null ? "" : p.compression ? "on" : "off",
    })),
    steering: noNulls(ps.steering),
    qualityModel: noNulls(ps.qualityModel),
  };
}

/** Problems found before sending (a number that is not one), by field path. */
export function localErrors(f: SetForm): Record<string, string> {
  const es: Record<string, string> = {};
  f.classes.forEach((c, i) => {
    if (c.maxLossPct.trim() && !Number.isFinite(Number(c.maxLossPct))) es[`sla_classes[${i}].max_loss_pct`] = `"${c.maxLossPct}" is not a number`;
  });
  return es;
}

/** The form as setPolicySet's input (the whole set: it replaces the stored one). */
export function toInput(f: SetForm): PolicySetInput {
  const in_: PolicySetInput = {
    slaClasses: f.classes.map((c) => ({
      name: c.name.trim(),
      maxLatency: orNull(c.maxLatency),
      maxJitter: orNull(c.maxJitter),
      maxLossPct: c.maxLossPct.trim() ? Number(c.maxLossPct) : null,
    })),
    applications: f.apps.map((a) => {
      const match = {
        cidrs: split(a.cidrs),
        sourceCidrs: split(a.sourceCidrs),
        protocols: split(a.protocols),
        ports: split(a.ports),
        dscp: split(a.dscp),
        domains: split(a.domains),
      };
      const empty = Object.values(match).every((v) => v.length === 0);
      return { name: a.name.trim(), class: orNull(a.class), match: empty ? null : match, matchAny: a.matchAny?.length ? a.matchAny : null };
    }),
    disableBuiltinApplications: f.disableBuiltinApplications,
    policies: f.policies.map((p) => {
      const apps = split(p.applications);
      const classes = split(p.classes);
      return {
        name: p.name.trim(),
        slaClass: p.slaClass.trim(),
        colors: split(p.colors),
        mode: p.mode || null,
        match: apps.length || classes.length ? { applications: apps, classes } : null,
        compression: p.compression === "" ? null : p.compression === "on",
      };
    }),
    steering: f.steering,
    qualityModel: f.qualityModel,
  };
  return in_;
}

/** The input as the text the diff compares: pretty JSON without empty fields. */
export function inputText(in_: PolicySetInput): string {
  return JSON.stringify(in_, (_k, v: unknown) => (v === null || (Array.isArray(v) && v.length === 0) ? undefined : v), 2);
}

export interface DiffLine {
  op: " " | "+" | "-";
  text: string;
}

/** A line diff (longest common subsequence) of two texts. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split("\n");
  const y = b.split("\n");
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ op: " ", text: x[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      out.push({ op: "-", text: x[i++]! });
    } else {
      out.push({ op: "+", text: y[j++]! });
    }
  }
  while (i < n) out.push({ op: "-", text: x[i++]! });
  while (j < m) out.push({ op: "+", text: y[j++]! });
  return out;
}

/** The diff with unchanged lines cut to `context` around each change. */
export function hunks(d: DiffLine[], context = 2): (DiffLine | null)[] {
  const keep = d.map(() => false);
  d.forEach((l, i) => {
    if (l.op === " ") return;
    for (let k = Math.max(0, i - context); k <= Math.min(d.length - 1, i + context); k++) keep[k] = true;
  });
  const out: (DiffLine | null)[] = [];
  d.forEach((l, i) => {
    if (keep[i]) out.push(l);
    else if (out[out.length - 1] !== null) out.push(null);
  });
  if (out[out.length - 1] === null) out.pop();
  return out;
}

/** The field paths the form has an input for, for errors no input shows. */
export function inputPaths(f: SetForm): Set<string> {
  const s = new Set<string>(["disable_builtin_applications"]);
  f.classes.forEach((_, i) => ["name", "max_latency", "max_jitter", "max_loss_pct"].forEach((k) => s.add(`sla_classes[${i}].${k}`)));
  f.apps.forEach((_, i) =>
    ["name", "class", "match.cidrs", "match.source_cidrs", "match.protocols", "match.ports", "match.dscp", "match.domains"].forEach((k) => s.add(`applications[${i}].${k}`)),
  );
  f.policies.forEach((_, i) =>
    ["name", "sla_class", "colors", "mode", "match.applications", "match.classes", "compression"].forEach((k) => s.add(`policies[${i}].${k}`)),
  );
  return s;
}

/** The errors of one input: its path, or an element of it ("…colors[2]"). */
export function errorAt(fields: Record<string, string>, path: string): string | undefined {
  const hits = Object.entries(fields).filter(([k]) => k === path || k.startsWith(path + "[") || k.startsWith(path + "."));
  if (!hits.length) return undefined;
  return hits.map(([k, v]) => (k === path ? v : `${k.slice(path.length)}: ${v}`)).join("; ");
}

/** The errors no input shows (a whole entry, a list's length, steering timers). */
export function orphanErrors(fields: Record<string, string>, paths: Set<string>): string[] {
  return Object.entries(fields)
    .filter(([k]) => ![...paths].some((p) => k === p || k.startsWith(p + "[") || k.startsWith(p + ".")))
    .map(([k, v]) => `${k}: ${v}`);
}
