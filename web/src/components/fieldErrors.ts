// Field errors of the API's answers (docs/API.md "Errors"): an
// INVALID_ARGUMENT error names its field in extensions.field, and a policy
// set's message lists every problem as "path: message; path: message"
// (the first path is also extensions.field). Forms show each beside its
// input, keyed by the field path ("policies[0].sla_class", "ttl", "name").
import type { CombinedError } from "urql";
import { errorText } from "../graphql/client";

export interface FieldErrors {
  /** Problems by field path. */
  fields: Record<string, string>;
  /** A problem no field owns (a refusal, a conflict, a network error); "" when none. */
  general: string;
  /** extensions.code of the first error ("STALE", "FORBIDDEN", …); "" when none. */
  code: string;
}

const NONE: FieldErrors = { fields: {}, general: "", code: "" };

// A field path of the policy set (or a plain argument): letters, digits,
// "_", ".", and [index].
const PATH = /^([a-z][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z][a-z0-9_]*(?:\[\d+\])?)*): (.+)$/i;

/** Splits an error of a mutation into its fields' problems and the rest. */
export function fieldErrors(err: CombinedError | null | undefined): FieldErrors {
  if (!err) return NONE;
  const first = err.graphQLErrors[0];
  if (!first) return { fields: {}, general: errorText(err), code: "" };
  const code = String(first.extensions?.code ?? "");
  // A value the schema's scalars refused inside an input object comes with
  // its path (["setPolicySet", "policySet", "slaClasses", 0, "maxLatency"]):
  // its field path is the part below the argument, in the set's spelling.
  const deep = first.path && first.path.length > 2 ? inputPath(first.path.slice(2)) : "";
  const field = deep || first.extensions?.field;
  if (code !== "INVALID_ARGUMENT" || typeof field !== "string" || !field) {
    return { fields: {}, general: first.message, code };
  }
  // The message is "field: msg"; a policy set's msg is "path: msg; path: msg".
  let msg = first.message.startsWith(field + ": ") ? first.message.slice(field.length + 2) : first.message;
  const fields: Record<string, string> = {};
  const parts = msg.split("; ");
  if (parts.every((p) => PATH.test(p))) {
    for (const p of parts) {
      const [, path, m] = PATH.exec(p)!;
      fields[path!] = fields[path!] ? `${fields[path!]}; ${m}` : m!;
    }
    msg = "";
  } else {
    fields[field] = msg;
  }
  return { fields, general: "", code };
}

/** ["slaClasses", 0, "maxLatency"] -> "sla_classes[0].max_latency". */
export function inputPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += (out ? "." : "") + p.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
  }
  return out;
}

/**
 * The problems not shown beside any input of a form (whose inputs' field
 * paths are `shown`), as "path: message" lines, so nothing is hidden.
 */
export function unshown(fe: FieldErrors, shown: Set<string>): string[] {
  const out = Object.entries(fe.fields)
    .filter(([k]) => !shown.has(k))
    .map(([k, v]) => `${k}: ${v}`);
  if (fe.general) out.unshift(fe.general);
  return out;
}
