// A site's BGP speaker on its page: the neighbours (the site's routers) as
// configured and as the edge last reported their sessions, and the
// prefixes they announce. Read only (configuration: `patronus ctl bgp`,
// docs/BGP.md). Refreshed every BGP_POLL_MS: the edge reports a session's
// change in its next telemetry batch, and the API has no BGP subscription.
import { useEffect } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import type { BgpNeighbor } from "../gql/graphql";
import { ErrorBox, Loading } from "./Status";
import { ago } from "./format";

export const SiteBgpQuery = graphql(`
  query SiteBgp($site: String!) {
    bgp(site: $site) {
      site
      localAs
      routerId
      listenPort
      gracefulRestart
      reportedAt
      learnedPrefixes
      neighbors {
        address
        remoteAs
        passwordSet
        bfd
        maxPrefixes
        state
        reason
        received
        accepted
        advertised
        bfdState
      }
    }
  }
`);

export const BGP_POLL_MS = 10_000;

type Neighbor = Omit<BgpNeighbor, "__typename">;

/** A session's state as a badge: established green, the rest of the way there amber, idle red, unreported grey. */
function SessionBadge({ state }: { state: Neighbor["state"] }) {
  if (!state) return <span className="badge state-unknown">not reported</span>;
  const tone = state === "ESTABLISHED" ? "up" : state === "IDLE" ? "down" : "degraded";
  return <span className={`badge state-${tone}`}>{state.toLowerCase()}</span>;
}

const count = (n: number | null | undefined) => (n == null ? "–" : n.toLocaleString());

function NeighborRow({ n }: { n: Neighbor }) {
  return (
    <tr>
      <th scope="row">
        <code>{n.address}</code>
      </th>
      <td>{n.remoteAs ?? "no longer configured"}</td>
      <td>
        <SessionBadge state={n.state} />
        {n.reason ? <span className="muted"> {n.reason}</span> : null}
      </td>
      <td>{count(n.received)}</td>
      <td>{count(n.accepted)}</td>
      <td>{count(n.advertised)}</td>
      <td>{n.maxPrefixes || "10,000 (default)"}</td>
      <td>{n.bfd || n.bfdState ? (n.bfdState ?? "not reported") : "off"}</td>
      <td>{n.passwordSet ? "TCP MD5" : "none"}</td>
    </tr>
  );
}

/** The BGP section of a site's page. */
export function SiteBgp({ site }: { site: string }) {
  const [r, refetch] = useQuery({ query: SiteBgpQuery, variables: { site } });
  useEffect(() => {
    const t = setInterval(() => refetch({ requestPolicy: "network-only" }), BGP_POLL_MS);
    return () => clearInterval(t);
  }, [refetch]);
  if (r.error && !r.data) return <ErrorBox error={r.error} what="BGP" />;
  if (!r.data) return <Loading what="BGP" />;
  const b = r.data.bgp.find((x) => x.site === site);
  if (!b || (b.localAs === 0 && b.neighbors.length === 0)) {
    return <p className="muted">No BGP speaker configured (patronus ctl bgp set, docs/BGP.md).</p>;
  }
  return (
    <>
      <dl className="facts" aria-label={`BGP speaker of ${site}`}>
        <dt>Local AS</dt>
        <dd>{b.localAs || "not configured"}</dd>
        <dt>Router ID</dt>
        <dd>{b.routerId ?? "the edge's choice"}</dd>
        <dt>Listens on</dt>
        <dd>{b.listenPort === -1 ? "does not listen" : `TCP ${b.listenPort || 179}`}</dd>
        <dt>Graceful restart</dt>
        <dd>{b.gracefulRestart ? "on" : "off"}</dd>
        <dt>Last report</dt>
        <dd>{b.reportedAt ? ago(b.reportedAt) : "never"}</dd>
      </dl>
      <table className="grid" aria-label={`BGP neighbours of ${site}`}>
        <thead>
          <tr>
            <th scope="col">Neighbour</th>
            <th scope="col">Remote AS</th>
            <th scope="col">Session</th>
            <th scope="col">Received</th>
            <th scope="col">Accepted</th>
            <th scope="col">Advertised</th>
            <th scope="col">Prefix limit</th>
            <th scope="col">BFD</th>
            <th scope="col">Password</th>
          </tr>
        </thead>
        <tbody>
          {b.neighbors.length === 0 ? (
            <tr>
              <td colSpan={9} className="muted">
                No neighbours configured.
              </td>
            </tr>
          ) : (
            b.neighbors.map((n) => <NeighborRow key={n.address} n={n} />)
          )}
        </tbody>
      </table>
      <h3>Prefixes its routers announce</h3>
      {b.learnedPrefixes.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="plain" aria-label={`Prefixes learned from the routers of ${site}`}>
          {b.learnedPrefixes.map((p) => (
            <li key={p}>
              <code>{p}</code>
            </li>
          ))}
        </ul>
      )}
      {r.error && <ErrorBox error={r.error} what="BGP (refresh)" />}
    </>
  );
}
