import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useQuery, useSubscription } from "urql";
import { graphql } from "../gql";
import { ErrorBox, Loading } from "../components/Status";
import { when } from "../components/format";
import { localToISO } from "../components/timeRange";
import { pathHref } from "../live/paths";

export const EventLog = graphql(`
  query EventLog($filter: SteeringEventFilter, $first: Int!, $after: String) {
    steeringEvents(filter: $filter, first: $first, after: $after) {
      nodes {
        nodeId
        at
        site
        pathId
        kind
        reason
        flowsMoved
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const EventLogSteering = graphql(`
  subscription EventLogSteering($site: String) {
    steeringEvents(site: $site) {
      at
      site
      pathId
      kind
      reason
      flowsMoved
    }
  }
`);

export const EventLogSites = graphql(`
  subscription EventLogSites($site: String) {
    siteEvents(site: $site) {
      site
      online
      at
    }
  }
`);

const PAGE = 50;

/** One row of the log: stored, or live (not yet in a page the server gave). */
export interface Row {
  key: string;
  at: string;
  site: string;
  pathId: string | null;
  kind: string;
  reason: string;
  flowsMoved: number;
  live?: boolean;
}

export interface EventFilter {
  site: string;
  path: string;
  kind: string;
  since: string;
  until: string;
}

const EMPTY: EventFilter = { site: "", path: "", kind: "", since: "", until: "" };

/** Whether a row passes the filter (the live rows; the path for every row: the API has no path filter). */
export function matches(r: Row, f: EventFilter): boolean {
  if (f.site && r.site !== f.site) return false;
  if (f.kind && r.kind !== f.kind) return false;
  if (f.path && !(r.pathId ?? "").includes(f.path)) return false;
  const since = localToISO(f.since);
  const until = localToISO(f.until);
  if (since && r.at < since) return false;
  if (until && r.at >= until) return false;
  return true;
}

export function Events() {
  const [draft, setDraft] = useState<EventFilter>(EMPTY);
  const [f, setF] = useState<EventFilter>(EMPTY);
  const [cursors, setCursors] = useState<string[]>([]);
  const [live, setLive] = useState<Row[]>([]);
  const [paused, setPaused] = useState(false);

  const filter = {
    site: f.site || null,
    kind: f.kind || null,
    since: localToISO(f.since),
    until: localToISO(f.until),
  };
  const [r] = useQuery({ query: EventLog, variables: { filter, first: PAGE, after: cursors.at(-1) ?? null } });
  const onFirstPage = cursors.length === 0;
  const add = (row: Row) => {
    if (!paused && onFirstPage && matches(row, f)) setLive((l) => [row, ...l].slice(0, 500));
  };
  useSubscription({ query: EventLogSteering, variables: { site: f.site || null } }, (_p, ev) => {
    const e = ev.steeringEvents;
    add({ key: `live-${e.at}-${e.site}-${e.kind}-${e.pathId ?? ""}`, ...e, pathId: e.pathId ?? null, live: true });
    return ev;
  });
  useSubscription({ query: EventLogSites, variables: { site: f.site || null } }, (_p, ev) => {
    const e = ev.siteEvents;
    const kind = e.online ? "site_online" : "site_offline";
    add({ key: `live-${e.at}-${e.site}-${kind}`, at: e.at, site: e.site, pathId: null, kind, reason: e.online ? "connected" : "disconnected", flowsMoved: 0, live: true });
    return ev;
  });

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setF(draft);
    setCursors([]);
    setLive([]);
  };
  const stored: Row[] = (r.data?.steeringEvents.nodes ?? []).map((n) => ({ key: n.nodeId, ...n, pathId: n.pathId ?? null })).filter((row) => matches(row, f));
  const rows = onFirstPage ? [...live, ...stored] : stored;
  const set = (k: keyof EventFilter) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });

  return (
    <>
      <h1>Events</h1>
      <form className="toolbar" onSubmit={apply} aria-label="Filter events">
        <label>
          Site
          <input value={draft.site} onChange={set("site")} autoComplete="off" />
        </label>
        <label>
          Path contains
          <input value={draft.path} onChange={set("path")} autoComplete="off" placeholder="site1/inet->site2/lte" />
        </label>
        <label>
          Kind
          <input value={draft.kind} onChange={set("kind")} autoComplete="off" placeholder="failover" />
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
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? "Resume live" : "Pause live"}
        </button>
      </form>
      <p className="muted small">
        Newest first. Live events arrive at the top of the first page{paused ? " (paused)" : ""}. The path filter applies to the events of the page shown.
      </p>
      {r.error && <ErrorBox error={r.error} what="Events" />}
      {!r.data && !r.error && <Loading what="events" />}
      {r.data && (
        <>
          <table className="grid" aria-label="Events">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Site</th>
                <th scope="col">Path</th>
                <th scope="col">Kind</th>
                <th scope="col">Reason</th>
                <th scope="col">Flows moved</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.key} data-kind={e.kind} className={e.live ? "live-row" : undefined}>
                  <td>
                    <time dateTime={e.at}>{when(e.at)}</time>
                    {e.live && <span className="muted small"> (live)</span>}
                  </td>
                  <td>
                    <Link to={`/sites/${encodeURIComponent(e.site)}`}>{e.site}</Link>
                  </td>
                  <td>{e.pathId ? <Link to={pathHref(e.pathId)}>{e.pathId}</Link> : "–"}</td>
                  <td>{e.kind}</td>
                  <td>{e.reason}</td>
                  <td>{e.flowsMoved}</td>
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    No events match.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <div className="actions">
            {!onFirstPage && (
              <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer events
              </button>
            )}
            {r.data.steeringEvents.pageInfo.hasNextPage && r.data.steeringEvents.pageInfo.endCursor && (
              <button type="button" onClick={() => setCursors([...cursors, r.data!.steeringEvents.pageInfo.endCursor!])}>
                Older events
              </button>
            )}
          </div>
        </>
      )}
    </>
  );
}
