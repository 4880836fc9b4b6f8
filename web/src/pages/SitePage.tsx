import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { useCanOperate } from "../auth/useSession";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { OnlineBadge, StateBadge } from "../components/StateBadge";
import { ErrorBox, Loading } from "../components/Status";
import { ago, ms, pct, when } from "../components/format";
import { linkColour } from "../components/topologyLayout";
import { AppTraffic } from "../components/AppTraffic";
import { SiteBgp } from "../components/SiteBgp";
import { siteOnline, useLive, withLive } from "../live/LiveProvider";
import { pathHref } from "../live/paths";

export const SiteDetail = graphql(`
  query SiteDetail($name: String!) {
    site(name: $name) {
      name
      role
      state
      publicKey
      lastSeen
      online
      createdAt
      links {
        name
        colour
        cost
        bandwidthKbps
        endpoint
        interface
        listenPort
      }
      prefixes
      paths {
        id
        state
        latencyMs
        jitterMs
        lossPct
        measuredAt
        bfdState
      }
    }
    steeringEvents(filter: { site: $name }, first: 30) {
      nodes {
        at
        pathId
        kind
        reason
        flowsMoved
      }
    }
  }
`);

export const RevokeSite = graphql(`
  mutation RevokeSite($name: String!, $reason: String) {
    revokeSite(name: $name, reason: $reason) {
      name
      state
    }
  }
`);

export const DeleteSite = graphql(`
  mutation DeleteSite($name: String!) {
    deleteSite(name: $name) {
      deletedNodeId
    }
  }
`);

function SiteActions({ name, revoked }: { name: string; revoked: boolean }) {
  const navigate = useNavigate();
  const [ask, setAsk] = useState<"revoke" | "delete" | null>(null);
  const [revoke, doRevoke] = useMutation(RevokeSite);
  const [del, doDelete] = useMutation(DeleteSite);
  const error = revoke.error ?? del.error;
  return (
    <div className="actions" aria-label="Site actions">
      {!revoked && (
        <button type="button" className="danger" onClick={() => setAsk("revoke")}>
          Revoke site
        </button>
      )}
      <button type="button" className="danger" onClick={() => setAsk("delete")}>
        Delete site
      </button>
      {error && <ErrorBox error={error} />}
      {ask === "revoke" && (
        <ConfirmDialog
          title={`Revoke ${name}?`}
          action="Revoke"
          busy={revoke.fetching}
          onCancel={() => setAsk(null)}
          onConfirm={() =>
            void doRevoke({ name, reason: "revoked from the dashboard" }).then((r) => !r.error && setAsk(null))
          }
        >
          <p>Its certificate stops working at once and its edge loses the network. Enrolling it again needs a new join token.</p>
        </ConfirmDialog>
      )}
      {ask === "delete" && (
        <ConfirmDialog
          title={`Delete ${name}?`}
          action="Delete"
          typeToConfirm={name}
          busy={del.fetching}
          onCancel={() => setAsk(null)}
          onConfirm={() => void doDelete({ name }).then((r) => !r.error && navigate("/"))}
        >
          <p>The site, its links, prefixes and paths are removed from the network.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

export function SitePage() {
  const name = useParams().name ?? "";
  const [r] = useQuery({ query: SiteDetail, variables: { name } });
  const live = useLive();
  const canOperate = useCanOperate();
  if (r.error) return <ErrorBox error={r.error} what={`Site ${name}`} />;
  if (!r.data) return <Loading what={`site ${name}`} />;
  const s = r.data.site;
  const online = siteOnline(s.name, s.online, s.lastSeen, live);
  const paths = s.paths.map((p) => withLive(p, live)).sort((a, b) => a.id.localeCompare(b.id));
  const liveEvents = live.steering.filter((e) => e.site === s.name);
  const events = [...liveEvents, ...r.data.steeringEvents.nodes].slice(0, 30);
  return (
    <section>
      <h1>
        {s.name} <OnlineBadge online={online} />
      </h1>
      <dl className="facts">
        <dt>Role</dt>
        <dd>{s.role.toLowerCase()}</dd>
        <dt>Enrolment</dt>
        <dd>
          {s.state === "ENROLLED" ? "enrolled" : "revoked"} {when(s.createdAt)}
        </dd>
        <dt>Last report</dt>
        <dd>{ago(s.lastSeen)}</dd>
        <dt>WireGuard key</dt>
        <dd>
          <code className="wrap">{s.publicKey}</code>
        </dd>
      </dl>
      {canOperate && <SiteActions name={s.name} revoked={s.state === "REVOKED"} />}

      <h2>Links</h2>
      <table className="grid" aria-label="Links">
        <thead>
          <tr>
            <th scope="col">Link</th>
            <th scope="col">Colour</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Interface</th>
            <th scope="col">Cost</th>
            <th scope="col">Bandwidth</th>
          </tr>
        </thead>
        <tbody>
          {s.links.map((l) => (
            <tr key={l.name}>
              <th scope="row">{l.name}</th>
              <td>
                <i className="dot" style={{ background: linkColour(l.colour) }} /> {l.colour}
              </td>
              <td>{l.endpoint || "behind NAT"}</td>
              <td>{l.interface || "–"}</td>
              <td>{l.cost}</td>
              <td>{l.bandwidthKbps ? `${(l.bandwidthKbps / 1000).toFixed(1)} Mbit/s` : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Prefixes</h2>
      {s.prefixes.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="plain">
          {s.prefixes.map((p) => (
            <li key={p}>
              <code>{p}</code>
            </li>
          ))}
        </ul>
      )}

      <h2>BGP</h2>
      <SiteBgp site={s.name} />

      <h2>Paths</h2>
      <table className="grid" aria-label={`Paths of ${s.name}`}>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">State</th>
            <th scope="col">Latency</th>
            <th scope="col">Jitter</th>
            <th scope="col">Loss</th>
            <th scope="col">BFD</th>
          </tr>
        </thead>
        <tbody>
          {paths.map((p) => (
            <tr key={p.id}>
              <th scope="row">
                <Link to={pathHref(p.id)}>
                  <code>{p.id}</code>
                </Link>
              </th>
              <td>
                <StateBadge state={p.state} />
              </td>
              <td>{ms(p.latencyMs)}</td>
              <td>{ms(p.jitterMs)}</td>
              <td>{pct(p.lossPct)}</td>
              <td>{p.bfdState ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Flows by application, last hour</h2>
      <AppTraffic label={`Applications ${s.name} sent in the last hour`} site={s.name} />

      <h2>Recent events</h2>
      {events.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="events">
          {events.map((e, i) => (
            <li key={i}>
              <time dateTime={e.at}>{ago(e.at)}</time> <strong>{e.kind}</strong>
              {e.pathId ? (
                <>
                  {" "}
                  on <Link to={pathHref(e.pathId)}>{e.pathId}</Link>
                </>
              ) : null}
              : {e.reason}
              {e.flowsMoved ? ` (${e.flowsMoved} flows moved)` : ""}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
