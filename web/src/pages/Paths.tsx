import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { StateBadge } from "../components/StateBadge";
import { ErrorBox, Loading } from "../components/Status";
import { ago, ms, pct } from "../components/format";
import { pathHref, stateWord } from "../live/paths";
import { useNetworkPaths } from "../live/useNetwork";

/**
 * Every path of the network by its ID as `patronus paths` prints it, with
 * its state word, updated live (a contract of tests outside the repository).
 */
export function Paths() {
  const { paths, error } = useNetworkPaths();
  const [filter, setFilter] = useState("");
  const [state, setState] = useState("all");
  const shown = useMemo(
    () =>
      (paths ?? [])
        .filter((p) => p.id.includes(filter.trim()))
        .filter((p) => state === "all" || stateWord(p.state) === state)
        .sort((a, b) => a.id.localeCompare(b.id)),
    [paths, filter, state],
  );
  return (
    <section>
      <h1>Paths</h1>
      <div className="toolbar">
        <label>
          Filter by ID
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="site1/inet" />
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="all">all</option>
            <option value="up">up</option>
            <option value="degraded">degraded</option>
            <option value="down">down</option>
            <option value="unknown">no data</option>
          </select>
        </label>
        {paths && (
          <span className="muted" role="status">
            {shown.length} of {paths.length} paths
          </span>
        )}
      </div>
      {error && <ErrorBox error={error} what="Paths" />}
      {!paths && !error && <Loading what="paths" />}
      {paths && (
        <table className="grid" aria-label="Paths">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">State</th>
              <th scope="col">Latency</th>
              <th scope="col">Jitter</th>
              <th scope="col">Loss</th>
              <th scope="col">BFD</th>
              <th scope="col">Score</th>
              <th scope="col">Flows</th>
              <th scope="col">Measured</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id} data-path-id={p.id} data-state={stateWord(p.state)}>
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
                <td>{p.score == null ? "–" : p.score.toFixed(0)}</td>
                <td>{p.activeFlows ?? "–"}</td>
                <td>{ago(p.measuredAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
