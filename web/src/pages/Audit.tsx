import { useEffect, useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import type { AuditOutcome } from "../gql/graphql";
import { useMe } from "../auth/useSession";
import { ErrorBox, Loading } from "../components/Status";
import { when } from "../components/format";
import { localToISO } from "../components/timeRange";

export const AuditLogPage = graphql(`
  query AuditLogPage($filter: AuditFilter, $first: Int!, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
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
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const PAGE = 50;
/** The API has no audit subscription: the first page is polled this often. */
export const AUDIT_POLL_MS = 10_000;

interface Filter {
  actor: string;
  action: string;
  outcome: "" | AuditOutcome;
  since: string;
  until: string;
}

const EMPTY: Filter = { actor: "", action: "", outcome: "", since: "", until: "" };

export function Audit() {
  const me = useMe();
  if (me.role !== "admin") {
    return (
      <>
        <h1>Audit log</h1>
        <p className="muted">The audit log is for admins.</p>
      </>
    );
  }
  return <AuditLog />;
}

function AuditLog() {
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [f, setF] = useState<Filter>(EMPTY);
  const [cursors, setCursors] = useState<string[]>([]);
  const filter = {
    actor: f.actor || null,
    action: f.action || null,
    outcome: f.outcome || null,
    since: localToISO(f.since),
    until: localToISO(f.until),
  };
  const [r, refetch] = useQuery({ query: AuditLogPage, variables: { filter, first: PAGE, after: cursors.at(-1) ?? null } });
  const onFirstPage = cursors.length === 0;
  useEffect(() => {
    if (!onFirstPage) return;
    const t = setInterval(() => refetch({ requestPolicy: "network-only" }), AUDIT_POLL_MS);
    return () => clearInterval(t);
  }, [onFirstPage, refetch]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setF(draft);
    setCursors([]);
  };
  const set = (k: keyof Filter) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  return (
    <>
      <h1>Audit log</h1>
      <form className="toolbar" onSubmit={apply} aria-label="Filter the audit log">
        <label>
          Actor
          <input value={draft.actor} onChange={set("actor")} autoComplete="off" />
        </label>
        <label>
          Action
          <input value={draft.action} onChange={set("action")} autoComplete="off" placeholder="policy.set or site." />
        </label>
        <label>
          Outcome
          <select value={draft.outcome} onChange={set("outcome")}>
            <option value="">any</option>
            <option value="SUCCESS">success</option>
            <option value="FAILURE">failure</option>
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={draft.since} onChange={set("since")} />
        </label>
        <label>
          Until
          <input type="datetime-local" value={draft.until} onChange={set("until")} />
        </label>
        <button type="submit" className="primary">
          Apply filters
        </button>
      </form>
      <p className="muted small">
        Newest first; the first page refreshes every {AUDIT_POLL_MS / 1000} s. An action ending in “.” matches every action it starts (site.).
      </p>
      {r.error && <ErrorBox error={r.error} what="Audit log" />}
      {!r.data && !r.error && <Loading what="the audit log" />}
      {r.data && (
        <>
          <AuditTable entries={r.data.auditLog.nodes} label="Audit log" />
          <div className="actions">
            {!onFirstPage && (
              <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer entries
              </button>
            )}
            {r.data.auditLog.pageInfo.hasNextPage && r.data.auditLog.pageInfo.endCursor && (
              <button type="button" onClick={() => setCursors([...cursors, r.data!.auditLog.pageInfo.endCursor!])}>
                Older entries
              </button>
            )}
          </div>
        </>
      )}
    </>
  );
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  role: string;
  method: string;
  sourceIp: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  detail: string;
}

/** The audit entries as a table; the detail (JSON) opens on demand. */
export function AuditTable({ entries, label }: { entries: AuditRow[]; label: string }) {
  return (
    <table className="grid" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((a) => (
          <tr key={a.id} data-audit-id={a.id}>
            <td>
              <time dateTime={a.at}>{when(a.at)}</time>
            </td>
            <td>
              {a.actor} <span className="muted small">({a.role}, {a.method}, {a.sourceIp})</span>
            </td>
            <td>
              <code>{a.action}</code>
            </td>
            <td>{a.target}</td>
            <td className={a.outcome === "SUCCESS" ? "state-up" : "state-down"}>{a.outcome.toLowerCase()}</td>
            <td>
              <details>
                <summary>Show</summary>
                <pre className="diff">{pretty(a.detail)}</pre>
              </details>
            </td>
          </tr>
        ))}
        {entries.length === 0 && (
          <tr>
            <td colSpan={6} className="muted">
              No entries match.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function pretty(detail: string): string {
  try {
    return JSON.stringify(JSON.parse(detail), null, 2);
  } catch {
    return detail;
  }
}
