import { useEffect } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { ago, bytes } from "./format";
import { ErrorBox, Loading } from "./Status";

export const PathFlowsQuery = graphql(`
  query PathFlows($id: ID!) {
    path(id: $id) {
      id
      currentFlows {
        reportedBy
        src
        dst
        srcPort
        dstPort
        protocol
        application
        class
        policy
        serverName
        txBytes
        rxBytes
        txPackets
        rxPackets
        startedAt
        windowStart
        windowEnd
      }
    }
  }
`);

/** The edges report a path's current flows every 10 s: the table follows at that pace. */
export const FLOWS_REFRESH_MS = 10_000;

const PROTOCOLS: Record<number, string> = { 1: "ICMP", 6: "TCP", 17: "UDP", 47: "GRE", 50: "ESP", 58: "ICMPv6", 132: "SCTP" };

/** "10.1.0.2:40000", "[2001:db8::1]:443", or the address alone for protocols without ports. */
function endpoint(addr: string, port: number, proto: number): string {
  if (proto !== 6 && proto !== 17 && proto !== 132) return addr;
  return addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** A window's byte count as a rate. */
function rate(n: number, seconds: number): string {
  if (seconds <= 0) return "";
  const bits = (8 * n) / seconds;
  if (bits >= 1e9) return `${(bits / 1e9).toFixed(2)} Gbit/s`;
  if (bits >= 1e6) return `${(bits / 1e6).toFixed(2)} Mbit/s`;
  if (bits >= 1e3) return `${(bits / 1e3).toFixed(1)} kbit/s`;
  return `${Math.round(bits)} bit/s`;
}

/**
 * A path's current flows: the busiest flows each end of the path carried
 * on it in its last 10 s window, refreshed every FLOWS_REFRESH_MS.
 */
export function CurrentFlows({ path, label }: { path: string; label: string }) {
  const [r, refetch] = useQuery({ query: PathFlowsQuery, variables: { id: path } });
  useEffect(() => {
    const t = setInterval(() => refetch({ requestPolicy: "network-only" }), FLOWS_REFRESH_MS);
    return () => clearInterval(t);
  }, [refetch]);
  if (r.error) return <ErrorBox error={r.error} what={label} />;
  if (!r.data) return <Loading what="current flows" />;
  const flows = r.data.path.currentFlows;
  if (flows.length === 0) return <p className="muted">No flows on this path in the last window.</p>;
  return (
    <table className="grid" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Flow</th>
          <th scope="col">Protocol</th>
          <th scope="col">Application</th>
          <th scope="col">Class</th>
          <th scope="col">Policy</th>
          <th scope="col">Sent</th>
          <th scope="col">Received</th>
          <th scope="col">Packets sent / received</th>
          <th scope="col">Age</th>
          <th scope="col">Reported by</th>
        </tr>
      </thead>
      <tbody>
        {flows.map((f, i) => {
          const secs = (Date.parse(f.windowEnd) - Date.parse(f.windowStart)) / 1000;
          return (
            <tr key={i}>
              <th scope="row">
                {endpoint(f.src, f.srcPort, f.protocol)} → {endpoint(f.dst, f.dstPort, f.protocol)}
                {f.serverName && <span className="muted"> ({f.serverName})</span>}
              </th>
              <td>{PROTOCOLS[f.protocol] ?? f.protocol}</td>
              <td>{f.application}</td>
              <td>{f.class}</td>
              <td>{f.policy}</td>
              <td title={rate(f.txBytes, secs)}>{bytes(f.txBytes)}</td>
              <td title={rate(f.rxBytes, secs)}>{bytes(f.rxBytes)}</td>
              <td>
                {f.txPackets} / {f.rxPackets}
              </td>
              <td>{ago(f.startedAt, Date.parse(f.windowEnd)).replace(" ago", "")}</td>
              <td>{f.reportedBy}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
