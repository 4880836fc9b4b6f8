import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { graphql } from "../gql";
import { OnlineBadge } from "../components/StateBadge";
import { ErrorBox, Loading } from "../components/Status";
import { usePaged } from "../graphql/paged";
import { ago } from "../components/format";
import { AppTraffic } from "../components/AppTraffic";
import { useLive } from "../live/LiveProvider";
import { pathHref, stateWord } from "../live/paths";
import { isFailover, isSLAViolation } from "../live/steering";
import { useNetworkPaths, useNetworkSites } from "../live/useNetwork";

const HOUR = 3600_000;

export const RecentSteering = graphql(`
  query RecentSteering($since: Time!, $first: Int, $after: String) {
    steeringEvents(filter: { since: $since }, first: $first, after: $after) {
      nodes {
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

/** At most this many events of the last hour are read; the counts say "at least" beyond. */
const MAX_EVENTS = 2000;

/** The steering events of the last hour: queried every 30 s, live in between. */
function useLastHourSteering() {
  const live = useLive();
  const [since, setSince] = useState(() => new Date(Date.now() - HOUR).toISOString());
  useEffect(() => {
    const t = setInterval(() => setSince(new Date(Date.now() - HOUR).toISOString()), 30_000);
    return () => clearInterval(t);
  }, []);
  const r = usePaged(RecentSteering, { since }, (d) => d.steeringEvents, 0, MAX_EVENTS);
  const events = useMemo(() => {
    const q = r.nodes ?? [];
    const newest = q.reduce((m, e) => (e.at > m ? e.at : m), since);
    return [...live.steering.filter((e) => e.at > newest), ...q];
  }, [r.nodes, live.steering, since]);
  return { events, error: r.error, loaded: !!r.nodes, more: r.truncated };
}

function atLeast(n: number, more: boolean): string {
  return more ? `≥ ${n}` : String(n);
}

function Stat({ label, value, tone }: { label: string; value: number | string; tone?: string }) {
  return (
    <div className={`stat ${tone ?? ""}`}>
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}

export function Overview() {
  const { network, sites, error: siteErr } = useNetworkSites();
  const { paths, error: pathErr } = useNetworkPaths();
  const steering = useLastHourSteering();
  const count = (w: string) => paths?.filter((p) => stateWord(p.state) === w).length ?? 0;
  const failovers = steering.events.filter(isFailover);
  const violations = steering.events.filter(isSLAViolation);
  const bySite = useMemo(() => {
    const m = new Map<string, { up: number; total: number }>();
    for (const p of paths ?? []) {
      for (const s of [p.siteA, p.siteB]) {
        const c = m.get(s) ?? { up: 0, total: 0 };
        c.total++;
        if (stateWord(p.state) === "up") c.up++;
        m.set(s, c);
      }
    }
    return m;
  }, [paths]);

  return (
    <section>
      <h1>Overview{network ? `: ${network.name}` : ""}</h1>
      {siteErr && <ErrorBox error={siteErr} what="Sites" />}
      {pathErr && <ErrorBox error={pathErr} what="Paths" />}
      {steering.error && <ErrorBox error={steering.error} what="Steering events" />}
      <div className="stats" aria-label="Fleet health">
        <Stat label="sites online" value={sites ? `${sites.filter((s) => s.online).length} / ${sites.length}` : "…"} />
        <Stat label="paths up" value={paths ? count("up") : "…"} tone="tone-up" />
        <Stat label="paths degraded" value={paths ? count("degraded") : "…"} tone="tone-degraded" />
        <Stat label="paths down" value={paths ? count("down") : "…"} tone="tone-down" />
        <Stat label="failovers, last hour" value={steering.loaded ? atLeast(failovers.length, steering.more) : "…"} />
        <Stat label="SLA violations, last hour" value={steering.loaded ? atLeast(violations.length, steering.more) : "…"} />
      </div>

      <h2>Sites</h2>
      {!sites && !siteErr && <Loading what="sites" />}
      {sites && sites.length === 0 && <p>No sites yet.</p>}
      {sites && (
        <ul className="cards" aria-label="Sites">
          {sites.map((s) => {
            const c = bySite.get(s.name);
            return (
              <li key={s.name} className="card site-card">
                <Link to={`/sites/${encodeURIComponent(s.name)}`} className="site-name">
                  {s.name}
                </Link>
                <div>
                  <OnlineBadge online={s.online} /> <span className="muted">{s.role.toLowerCase()}</span>
                  {s.state === "REVOKED" && <span className="badge state-down">revoked</span>}
                </div>
                <div className="muted small">
                  {c ? `${c.up} / ${c.total} paths up` : "no paths"} · seen {ago(s.lastSeen)}
                </div>
              </li>
            );
          })}
        </ul>
      )}

      <h2>Top applications, last hour</h2>
      <AppTraffic label="Top applications in the last hour" />

      <h2>Failovers and SLA violations, last hour</h2>
      {failovers.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="grid" aria-label="Failovers in the last hour">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Site</th>
              <th scope="col">Path</th>
              <th scope="col">Reason</th>
              <th scope="col">Flows moved</th>
            </tr>
          </thead>
          <tbody>
            {failovers.slice(0, 20).map((e, i) => (
              <tr key={`${e.at}-${e.site}-${i}`}>
                <td>{ago(e.at)}</td>
                <td>{e.site}</td>
                <td>{e.pathId ? <Link to={pathHref(e.pathId)}>{e.pathId}</Link> : "–"}</td>
                <td>{e.reason}</td>
                <td>{e.flowsMoved}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
