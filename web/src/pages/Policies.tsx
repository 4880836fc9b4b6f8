import { useEffect, useId, useMemo, useState } from "react";
import { useMutation, useQuery, useSubscription, type CombinedError } from "urql";
import { graphql } from "../gql";
import type { PolicyEditorQuery } from "../gql/graphql";
import { useCanOperate, useMe } from "../auth/useSession";
import { Field } from "../components/Form";
import { ErrorBox, Loading } from "../components/Status";
import { fieldErrors, type FieldErrors } from "../components/fieldErrors";
import { when } from "../components/format";
import { AuditTable } from "./Audit";
import {
  diffLines,
  errorAt,
  hunks,
  inputPaths,
  inputText,
  localErrors,
  orphanErrors,
  toForm,
  toInput,
  type AppForm,
  type ClassForm,
  type PolicyForm,
  type SetForm,
} from "./policyForm";

export const PolicyEditor = graphql(`
  query PolicyEditor {
    policySet {
      revision
      updatedAt
      slaClasses {
        name
        maxLatency
        maxJitter
        maxLossPct
      }
      applications {
        name
        class
        match {
          cidrs
          sourceCidrs
          protocols
          ports
          dscp
          domains
        }
        matchAny {
          cidrs
          sourceCidrs
          protocols
          ports
          dscp
          domains
        }
      }
      disableBuiltinApplications
      policies {
        name
        slaClass
        colors
        mode
        match {
          applications
          classes
        }
        compression
      }
      steering {
        damping
        holdDown
        marginScore
        flapPenalty
        flapSuppress
        flapReuse
        flapMax
        flapHalfLife
        flowIdle
      }
      qualityModel {
        degradedBelowScore
        recoverAtScore
      }
    }
    slaClasses {
      name
      maxLatency
      maxJitter
      maxLossPct
      builtin
    }
    applications {
      name
      class
      builtin
    }
  }
`);

export const SetPolicies = graphql(`
  mutation SetPolicies($policySet: PolicySetInput!, $expectedRevision: Int) {
    setPolicySet(policySet: $policySet, expectedRevision: $expectedRevision) {
      revision
      updatedAt
    }
  }
`);

export const PolicyAudit = graphql(`
  query PolicyAudit {
    auditLog(filter: { action: "policy.set" }, first: 20) {
      nodes {
        id
        at
        actor
        role
        method
        sourceIp
        action
        target
        outcome
        detail
      }
    }
  }
`);

export const PolicyRevisions = graphql(`
  subscription PolicyRevisions {
    configRevisions {
      revision
      at
    }
  }
`);

type Data = PolicyEditorQuery;

export function Policies() {
  const canOperate = useCanOperate();
  const admin = useMe().role === "admin";
  const [r, refetch] = useQuery({ query: PolicyEditor });
  const [latest, setLatest] = useState(0);
  useSubscription({ query: PolicyRevisions }, (_p, ev) => {
    setLatest((l) => Math.max(l, ev.configRevisions.revision));
    return ev;
  });
  const reload = () => refetch({ requestPolicy: "network-only" });
  // Kept here: the editor starts afresh (a new key) at every revision.
  const [applied, setApplied] = useState<number | null>(null);

  if (r.error) return <ErrorBox error={r.error} what="Policy set" />;
  if (!r.data) return <Loading what="the policy set" />;
  const d = r.data;
  return (
    <>
      <h1>Policies</h1>
      <p className="muted">
        Revision <strong data-testid="revision">{d.policySet.revision}</strong>
        {d.policySet.updatedAt ? `, changed ${when(d.policySet.updatedAt)}` : ", never changed (the defaults)"}.
      </p>
      {canOperate ? <Editor
          key={d.policySet.revision}
          data={d}
          latest={latest}
          applied={applied}
          onApplied={(rev) => {
            setApplied(rev);
            reload();
          }}
          onReload={reload}
        /> : <ReadOnly data={d} />}
      <BuiltIns data={d} />
      <h2>Changes</h2>
      {admin ? <PolicyTrail revision={d.policySet.revision} /> : <p className="muted">The audit trail of policy changes is for admins.</p>}
    </>
  );
}

function PolicyTrail({ revision }: { revision: number }) {
  const [r, refetch] = useQuery({ query: PolicyAudit });
  useEffect(() => refetch({ requestPolicy: "network-only" }), [revision, refetch]);
  if (r.error) return <ErrorBox error={r.error} what="Audit trail" />;
  if (!r.data) return <Loading what="the audit trail" />;
  return <AuditTable entries={r.data.auditLog.nodes} label="Policy changes" />;
}

function Editor({
  data,
  latest,
  applied,
  onApplied,
  onReload,
}: {
  data: Data;
  latest: number;
  applied: number | null;
  onApplied: (revision: number) => void;
  onReload: () => void;
}) {
  const base = useMemo(() => toForm(data.policySet), [data]);
  const [f, setF] = useState<SetForm>(base);
  const [reviewing, setReviewing] = useState(false);
  const [m, apply] = useMutation(SetPolicies);
  const before = useMemo(() => inputText(toInput(base)), [base]);
  const after = inputText(toInput(f));
  const changed = before !== after;
  const local = localErrors(f);
  // The last apply's error, until the form is edited again.
  const [failed, setFailed] = useState<CombinedError | null>(null);
  const server = fieldErrors(failed);
  const errs: FieldErrors = { ...server, fields: { ...server.fields, ...local } };
  const at = (p: string) => errorAt(errs.fields, p);
  const orphans = orphanErrors(errs.fields, inputPaths(f));
  const stale = errs.code === "STALE";
  const moved = latest > data.policySet.revision;

  const submit = async () => {
    const res = await apply({ policySet: toInput(f), expectedRevision: data.policySet.revision });
    setFailed(res.error ?? null);
    if (res.data) {
      setReviewing(false);
      onApplied(res.data.setPolicySet.revision);
    } else {
      setReviewing(false);
    }
  };

  const upd = <K extends keyof SetForm>(k: K, v: SetForm[K]) => {
    setF({ ...f, [k]: v });
    if (failed?.graphQLErrors[0]?.extensions?.code !== "STALE") setFailed(null);
    setReviewing(false);
  };
  const row = <T,>(k: "classes" | "apps" | "policies", i: number, patch: Partial<T>) =>
    upd(k, (f[k] as T[]).map((x, j) => (j === i ? { ...x, ...patch } : x)) as SetForm[typeof k]);
  const remove = (k: "classes" | "apps" | "policies", i: number) => upd(k, (f[k] as unknown[]).filter((_, j) => j !== i) as SetForm[typeof k]);

  return (
    <form onSubmit={(e) => e.preventDefault()} aria-label="Policy set" noValidate>
      {applied !== null && applied === data.policySet.revision && (
        <p className="notice" role="status">
          Applied: the network is at revision {applied}; the edges receive it now.
        </p>
      )}
      {moved && !stale && (
        <p className="notice" role="status">
          The network moved on to revision {latest} while this page was open.{" "}
          <button type="button" onClick={onReload}>
            Reload (discards your edits)
          </button>
        </p>
      )}
      {stale && (
        <div className="error" role="alert">
          Not applied: someone changed the policy set since you loaded revision {data.policySet.revision}. Reload to see their change, then
          make yours again.{" "}
          <button type="button" onClick={onReload}>
            Reload the policy set
          </button>
        </div>
      )}
      {errs.general && !stale && (
        <div className="error" role="alert">
          {errs.general}
        </div>
      )}
      {orphans.map((o) => (
        <div key={o} className="error" role="alert">
          {o}
        </div>
      ))}

      <fieldset className="fieldset">
        <legend>SLA classes</legend>
        <p className="muted small">Limits a path must meet for the class: durations (150ms, 1s; empty: no limit) and loss in %.</p>
        {f.classes.map((c, i) => (
          <div className="form-row" key={i} role="group" aria-label={`SLA class ${i + 1}`}>
            <Field label="Name" value={c.name} onChange={(e) => row<ClassForm>("classes", i, { name: e.target.value })} error={at(`sla_classes[${i}].name`)} />
            <Field label="Max latency" value={c.maxLatency} onChange={(e) => row<ClassForm>("classes", i, { maxLatency: e.target.value })} error={at(`sla_classes[${i}].max_latency`)} />
            <Field label="Max jitter" value={c.maxJitter} onChange={(e) => row<ClassForm>("classes", i, { maxJitter: e.target.value })} error={at(`sla_classes[${i}].max_jitter`)} />
            <Field label="Max loss %" inputMode="decimal" value={c.maxLossPct} onChange={(e) => row<ClassForm>("classes", i, { maxLossPct: e.target.value })} error={at(`sla_classes[${i}].max_loss_pct`)} />
            <button type="button" className="ghost" aria-label={`Remove SLA class ${c.name || i + 1}`} onClick={() => remove("classes", i)}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => upd("classes", [...f.classes, { name: "", maxLatency: "", maxJitter: "", maxLossPct: "" }])}>
          Add SLA class
        </button>
      </fieldset>

      <fieldset className="fieldset">
        <legend>Applications</legend>
        <p className="muted small">Traffic an edge classifies, and its SLA class. Lists are comma-separated; an empty match field matches anything.</p>
        <label className="inline">
          <input type="checkbox" checked={f.disableBuiltinApplications} onChange={(e) => upd("disableBuiltinApplications", e.target.checked)} /> Disable the built-in
          applications
        </label>
        {f.apps.map((a, i) => (
          <div key={i} role="group" aria-label={`Application ${i + 1}`} className="fieldset">
            <div className="form-row">
              <Field label="Name" value={a.name} onChange={(e) => row<AppForm>("apps", i, { name: e.target.value })} error={at(`applications[${i}].name`)} />
              <Field label="Class" list="sla-class-names" value={a.class} onChange={(e) => row<AppForm>("apps", i, { class: e.target.value })} error={at(`applications[${i}].class`)} />
              <Field label="Destination CIDRs" value={a.cidrs} onChange={(e) => row<AppForm>("apps", i, { cidrs: e.target.value })} error={at(`applications[${i}].match.cidrs`)} />
              <Field label="Source CIDRs" value={a.sourceCidrs} onChange={(e) => row<AppForm>("apps", i, { sourceCidrs: e.target.value })} error={at(`applications[${i}].match.source_cidrs`)} />
            </div>
            <div className="form-row">
              <Field label="Protocols" value={a.protocols} onChange={(e) => row<AppForm>("apps", i, { protocols: e.target.value })} error={at(`applications[${i}].match.protocols`)} />
              <Field label="Ports" value={a.ports} onChange={(e) => row<AppForm>("apps", i, { ports: e.target.value })} error={at(`applications[${i}].match.ports`)} />
              <Field label="DSCP" value={a.dscp} onChange={(e) => row<AppForm>("apps", i, { dscp: e.target.value })} error={at(`applications[${i}].match.dscp`)} />
              <Field label="Domains" value={a.domains} onChange={(e) => row<AppForm>("apps", i, { domains: e.target.value })} error={at(`applications[${i}].match.domains`)} />
              <button type="button" className="ghost" aria-label={`Remove application ${a.name || i + 1}`} onClick={() => remove("apps", i)}>
                Remove
              </button>
            </div>
            {a.matchAny && a.matchAny.length > 0 && (
              <p className="muted small">Plus {a.matchAny.length} alternative match rules (match_any), kept as they are.</p>
            )}
          </div>
        ))}
        <button
          type="button"
          onClick={() => upd("apps", [...f.apps, { name: "", class: "", cidrs: "", sourceCidrs: "", protocols: "", ports: "", dscp: "", domains: "", matchAny: null }])}
        >
          Add application
        </button>
      </fieldset>

      <fieldset className="fieldset">
        <legend>Policies</legend>
        <p className="muted small">Which traffic (applications, classes) takes which link colours, in order, and how it is steered.</p>
        {f.policies.map((p, i) => (
          <div className="form-row" key={i} role="group" aria-label={`Policy ${i + 1}`}>
            <Field label="Name" value={p.name} onChange={(e) => row<PolicyForm>("policies", i, { name: e.target.value })} error={at(`policies[${i}].name`)} />
            <Field label="SLA class" list="sla-class-names" value={p.slaClass} onChange={(e) => row<PolicyForm>("policies", i, { slaClass: e.target.value })} error={at(`policies[${i}].sla_class`)} />
            <Field label="Colours" value={p.colors} onChange={(e) => row<PolicyForm>("policies", i, { colors: e.target.value })} error={at(`policies[${i}].colors`)} />
            <ModeSelect value={p.mode} error={at(`policies[${i}].mode`)} onChange={(mode) => row<PolicyForm>("policies", i, { mode })} />
            <Field label="Applications" value={p.applications} onChange={(e) => row<PolicyForm>("policies", i, { applications: e.target.value })} error={at(`policies[${i}].match.applications`)} />
            <Field label="Classes" value={p.classes} onChange={(e) => row<PolicyForm>("policies", i, { classes: e.target.value })} error={at(`policies[${i}].match.classes`)} />
            <label>
              Compression
              <select value={p.compression} onChange={(e) => row<PolicyForm>("policies", i, { compression: e.target.value as PolicyForm["compression"] })}>
                <option value="">default</option>
                <option value="on">on</option>
                <option value="off">off</option>
              </select>
            </label>
            <button type="button" className="ghost" aria-label={`Remove policy ${p.name || i + 1}`} onClick={() => remove("policies", i)}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => upd("policies", [...f.policies, { name: "", slaClass: "", colors: "", mode: "", applications: "", classes: "", compression: "" }])}>
          Add policy
        </button>
      </fieldset>
      <datalist id="sla-class-names">
        {[...new Set([...data.slaClasses.map((c) => c.name), ...f.classes.map((c) => c.name)])].map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <p className="muted small">Steering timers and the path-state thresholds are kept as they are (<code>patronus ctl policy</code> edits them).</p>

      <div className="actions">
        <button type="button" className="primary" disabled={!changed || Object.keys(local).length > 0} onClick={() => setReviewing(true)}>
          Review changes
        </button>
        <button type="button" disabled={!changed} onClick={() => { setF(base); setReviewing(false); }}>
          Discard changes
        </button>
        {!changed && <span className="muted small">No changes.</span>}
      </div>
      {reviewing && changed && (
        <section aria-label="Changes to apply">
          <h2>Changes to apply</h2>
          <Diff before={before} after={after} />
          <div className="actions">
            <button type="button" className="primary" disabled={m.fetching} onClick={() => void submit()}>
              Apply to revision {data.policySet.revision}
            </button>
            <button type="button" onClick={() => setReviewing(false)}>
              Keep editing
            </button>
          </div>
        </section>
      )}
    </form>
  );
}

function ModeSelect({ value, error, onChange }: { value: PolicyForm["mode"]; error?: string; onChange: (m: PolicyForm["mode"]) => void }) {
  const id = useId();
  return (
    <div className={error ? "field invalid" : "field"}>
      <label htmlFor={id}>Mode</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as PolicyForm["mode"])} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-e` : undefined}>
        <option value="">default (best path)</option>
        <option value="BEST_PATH">best path</option>
        <option value="LOAD_BALANCE">load balance</option>
        <option value="DUPLICATE">duplicate</option>
      </select>
      {error && (
        <span id={`${id}-e`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function Diff({ before, after }: { before: string; after: string }) {
  const lines = hunks(diffLines(before, after));
  return (
    <pre className="diff" aria-label="Diff" data-testid="diff">
      {lines.map((l, i) =>
        l === null ? (
          <div key={i} className="ctx">
            …
          </div>
        ) : (
          <div key={i} className={l.op === "+" ? "add" : l.op === "-" ? "del" : "ctx"}>
            {l.op} {l.text}
          </div>
        ),
      )}
    </pre>
  );
}

function ReadOnly({ data }: { data: Data }) {
  const ps = data.policySet;
  return (
    <>
      <h2>SLA classes</h2>
      <table className="grid" aria-label="SLA classes of the policy set">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Max latency</th>
            <th scope="col">Max jitter</th>
            <th scope="col">Max loss</th>
          </tr>
        </thead>
        <tbody>
          {ps.slaClasses.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td>{c.maxLatency ?? "–"}</td>
              <td>{c.maxJitter ?? "–"}</td>
              <td>{c.maxLossPct} %</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Applications</h2>
      {ps.disableBuiltinApplications && <p>The built-in applications are disabled.</p>}
      <table className="grid" aria-label="Applications of the policy set">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Class</th>
            <th scope="col">Match</th>
          </tr>
        </thead>
        <tbody>
          {ps.applications.map((a) => (
            <tr key={a.name}>
              <th scope="row">{a.name}</th>
              <td>{a.class}</td>
              <td>{a.match ? Object.entries(a.match).filter(([k, v]) => k !== "__typename" && Array.isArray(v) && v.length).map(([k, v]) => `${k}: ${(v as string[]).join(", ")}`).join("; ") : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Policies</h2>
      <table className="grid" aria-label="Policies">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">SLA class</th>
            <th scope="col">Colours</th>
            <th scope="col">Mode</th>
            <th scope="col">Applications</th>
            <th scope="col">Classes</th>
          </tr>
        </thead>
        <tbody>
          {ps.policies.map((p) => (
            <tr key={p.name}>
              <th scope="row">{p.name}</th>
              <td>{p.slaClass}</td>
              <td>{p.colors.join(", ")}</td>
              <td>{p.mode.toLowerCase().replace("_", " ")}</td>
              <td>{p.match?.applications.join(", ")}</td>
              <td>{p.match?.classes.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function BuiltIns({ data }: { data: Data }) {
  const classes = data.slaClasses.filter((c) => c.builtin);
  const apps = data.applications.filter((a) => a.builtin);
  return (
    <details>
      <summary>Built-in SLA classes ({classes.length}) and applications ({apps.length})</summary>
      <p>
        {classes.map((c) => (
          <span key={c.name} className="badge">
            {c.name}: {c.maxLatency ?? "–"} / {c.maxJitter ?? "–"} / {c.maxLossPct} %
          </span>
        ))}
      </p>
      <p className="small">{apps.map((a) => `${a.name} (${a.class})`).join(", ")}</p>
    </details>
  );
}
