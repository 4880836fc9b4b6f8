import { useEffect, useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { bytes } from "./format";
import { ErrorBox, Loading } from "./Status";

export const AppTrafficQuery = graphql(`
  query AppTraffic($filter: TrafficFilter, $first: Int) {
    applicationTraffic(filter: $filter, first: $first) {
      application
      flows
      bytesSent
      bytesReceived
      sites
      paths
    }
  }
`);

const HOUR = 3600_000;
/** The edges send a window every 30 s: the table follows at that pace. */
const REFRESH = 30_000;

/** The start of the last hour, moved every REFRESH. */
function useLastHour(): string {
  const [since, setSince] = useState(() => new Date(Date.now() - HOUR).toISOString());
  useEffect(() => {
    const t = setInterval(() => setSince(new Date(Date.now() - HOUR).toISOString()), REFRESH);
    return () => clearInterval(t);
  }, []);
  return since;
}

/**
 * The top applications by bytes over the last hour, from the flow
 * summaries the edges send: of the network, of what a site sent, or of
 * what both ends of a path sent over it; with the bytes the reporting
 * sites received of those flows.
 */
export function AppTraffic({ label, site, path, first = 10 }: { label: string; site?: string; path?: string; first?: number }) {
  const since = useLastHour();
  const [r] = useQuery({ query: AppTrafficQuery, variables: { filter: { site, path, since }, first } });
  if (r.error) return <ErrorBox error={r.error} what={label} />;
  if (!r.data) return <Loading what="applications" />;
  const apps = r.data.applicationTraffic;
  if (apps.length === 0) return <p className="muted">No traffic reported in the last hour.</p>;
  const top = Math.max(...apps.map((a) => a.bytesSent), 1);
  return (
    <table className="grid" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Application</th>
          <th scope="col">Bytes sent</th>
          <th scope="col">Bytes received</th>
          <th scope="col">Flows</th>
          {!path && <th scope="col">Paths</th>}
          {!site && !path && <th scope="col">Sites</th>}
        </tr>
      </thead>
      <tbody>
        {apps.map((a) => (
          <tr key={a.application}>
            <th scope="row">{a.application}</th>
            <td>
              <span className="traffic-bar" aria-hidden="true">
                <span style={{ width: `${Math.max(1, (100 * a.bytesSent) / top)}%` }} />
              </span>{" "}
              {bytes(a.bytesSent)}
            </td>
            <td>{bytes(a.bytesReceived)}</td>
            <td>{a.flows}</td>
            {!path && <td>{a.paths}</td>}
            {!site && !path && <td>{a.sites}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
