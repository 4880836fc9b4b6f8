import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useQuery, useSubscription } from "urql";
import { graphql } from "../gql";
import { Chart, StateStrip, type Mark, type Point } from "../components/Chart";
import { StateBadge } from "../components/StateBadge";
import { ErrorBox, Loading } from "../components/Status";
import { ago, ms, pct, when } from "../components/format";
import { AppTraffic } from "../components/AppTraffic";
import { CurrentFlows } from "../components/CurrentFlows";
import { useLive, withLive } from "../live/LiveProvider";
import { pathKey, stateWord } from "../live/paths";

export const PathDetail = graphql(`
  query PathDetail($id: ID!, $from: Time!, $to: Time!) {
    path(id: $id) {
      id
      siteA
      linkA
      siteB
      linkB
      state
      latencyMs
      jitterMs
      lossPct
      measuredAt
      bfdState
      score
      suppressed
      activeFlows
      reportedBy
      history(from: $from, to: $to) {
        resolution
        points {
          at
          state
          latencyMs
          maxLatencyMs
          jitterMs
          lossPct
          samples
          downSamples
        }
      }
    }
  }
`);

export const PathEvents = graphql(`
  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {
    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {
      nodes {
        at
        site
        pathId
        kind
        reason
      }
    }
    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {
      nodes {
        at
        site
        pathId
        kind
        reason
      }
    }
  }
`);

export const PathReports = graphql(`
  subscription PathReports($site: String!) {
    pathEvents(site: $site, everyReport: true) {
      pathId
      state
      bfdState
      latencyMs
      jitterMs
      lossPct
      at
    }
  }
`);

const RANGES = [
  { key: "live", label: "Live", ms: 5 * 60_000 },
  { key: "1h", label: "1 h", ms: 3600_000 },
  { key: "24h", label: "24 h", ms: 86400_000 },
  { key: "7d", label: "7 d", ms: 7 * 86400_000 },
] as const;
type RangeKey = (typeof RANGES)[number]["key"];

interface Sample {
  t: number;
  state: string;
  bfd: string | null;
  latency: number | null;
  jitter: number | null;
  loss: number | null;
}

/** The reports of one path as they arrive (everyReport), the last 5 minutes. */
function useLiveReports(site: string | undefined, key: string, on: boolean): Sample[] {
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => setSamples([]), [key]);
  useSubscription({ query: PathReports, variables: { site: site ?? "" }, pause: !on || !site }, (_: unknown, r) => {
    const ev = r.pathEvents;
    if (pathKey(ev.pathId) === key) {
      const t = Date.parse(ev.at);
      setSamples((l) =>
        [
          ...l.filter((s) => s.t > t - 5 * 60_000),
          { t, state: stateWord(ev.state), bfd: ev.bfdState ?? null, latency: ev.latencyMs ?? null, jitter: ev.jitterMs ?? null, loss: ev.lossPct ?? null },
        ].sort((a, b) => a.t - b.t),
      );
    }
    return null;
  });
  return samples;
}

export function PathPage() {
  const id = useParams()["*"] ?? "";
  const key = pathKey(id);
  const [range, setRange] = useState<RangeKey>("live");
  const span = RANGES.find((r) => r.key === range)!.ms;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), range === "live" ? 1000 : 60_000);
    return () => clearInterval(t);
  }, [range]);
  // The query's window moves every minute (not every second) in live mode.
  const [qTo, setQTo] = useState(() => new Date().toISOString());
  useEffect(() => {
    setQTo(new Date().toISOString());
    const t = setInterval(() => setQTo(new Date().toISOString()), 60_000);
    return () => clearInterval(t);
  }, [range]);
  const qFrom = new Date(Date.parse(qTo) - span).toISOString();
  const [r] = useQuery({ query: PathDetail, variables: { id, from: qFrom, to: qTo } });
  const live = useLive();
  const path = r.data ? withLive(r.data.path, live) : null;
  const [ev] = useQuery({
    query: PathEvents,
    variables: { siteA: path?.siteA ?? "", siteB: path?.siteB ?? "", since: qFrom },
    pause: !path,
  });
  const reports = useLiveReports(path?.siteA, key, range === "live");

  const from = now - span;
  const hist = useMemo(
    () =>
      (r.data?.path.history.points ?? []).map<Sample>((p) => ({
        t: Date.parse(p.at),
        state: stateWord(p.state),
        bfd: null,
        latency: p.latencyMs,
        jitter: p.jitterMs,
        loss: p.lossPct,
      })),
    [r.data],
  );
  const samples = useMemo(
    () => (range === "live" ? [...hist.filter((s) => s.t < (reports[0]?.t ?? Infinity)), ...reports] : hist),
    [range, hist, reports],
  );
  const marks: Mark[] = useMemo(() => {
    const all = [...(ev.data?.a.nodes ?? []), ...(ev.data?.b.nodes ?? [])];
    const mine = all.filter((e) => e.pathId && pathKey(e.pathId) === key);
    const liveMine = live.steering.filter((e) => e.pathId && pathKey(e.pathId) === key);
    return [...mine, ...liveMine].map((e) => ({ t: Date.parse(e.at), label: `${e.site} ${e.kind}: ${e.reason}` }));
  }, [ev.data, live.steering, key]);
  const series = (f: (s: Sample) => number | null): Point[] => samples.map((s) => ({ t: s.t, v: f(s) }));

  if (r.error) return <ErrorBox error={r.error} what={`Path ${id}`} />;
  if (!path) return <Loading what={`path ${id}`} />;
  return (
    <section>
      <p className="crumbs">
        <Link to="/paths">Paths</Link> /
      </p>
      <h1>
        <code>{path.id}</code> <StateBadge state={path.state} />
      </h1>
      <dl className="facts">
        <dt>Ends</dt>
        <dd>
          <Link to={`/sites/${encodeURIComponent(path.siteA)}`}>{path.siteA}</Link> ({path.linkA}) ↔{" "}
          <Link to={`/sites/${encodeURIComponent(path.siteB)}`}>{path.siteB}</Link> ({path.linkB})
        </dd>
        <dt>Latency</dt>
        <dd>{ms(path.latencyMs)}</dd>
        <dt>Jitter</dt>
        <dd>{ms(path.jitterMs)}</dd>
        <dt>Loss</dt>
        <dd>{pct(path.lossPct)}</dd>
        <dt>BFD</dt>
        <dd>{path.bfdState ?? "–"}</dd>
        <dt>Score</dt>
        <dd>
          {path.score == null ? "–" : path.score.toFixed(1)}
          {path.suppressed ? " (suppressed for flapping)" : ""}
        </dd>
        <dt>Active flows</dt>
        <dd>{path.activeFlows ?? "–"}</dd>
        <dt>Measured</dt>
        <dd>
          {ago(path.measuredAt)}
          {path.reportedBy ? ` by ${path.reportedBy}` : ""}
        </dd>
      </dl>
      <div className="toolbar" role="group" aria-label="Time range">
        {RANGES.map((x) => (
          <button key={x.key} type="button" aria-pressed={range === x.key} onClick={() => setRange(x.key)}>
            {x.label}
          </button>
        ))}
        <span className="muted">
          {range === "live" ? "every report, live" : `${r.data?.path.history.resolution.toLowerCase()} resolution`}
        </span>
      </div>
      {ev.error && <ErrorBox error={ev.error} what="Steering events" />}
      <div className="charts">
        <Chart title="Latency" unit="ms" points={series((s) => s.latency)} marks={marks} from={from} to={now} />
        <Chart title="Jitter" unit="ms" points={series((s) => s.jitter)} marks={marks} from={from} to={now} />
        <Chart title="Loss" unit="%" points={series((s) => s.loss)} marks={marks} from={from} to={now} />
        <StateStrip title="Path state" points={samples.map((s) => ({ t: s.t, state: s.state }))} from={from} to={now} />
        {range === "live" && (
          <StateStrip
            title="BFD state"
            points={reports.map((s) => ({ t: s.t, state: bfdWord(s.bfd) }))}
            from={from}
            to={now}
          />
        )}
      </div>
      <h2>Current flows</h2>
      <p className="muted">
        The busiest flows each end carried on this path in its last 10 s window (bytes and packets of that window), refreshed
        every 10 s.
      </p>
      <CurrentFlows label="Current flows on this path" path={path.id} />
      <h2>Applications, last hour</h2>
      <AppTraffic label="Applications on this path in the last hour" path={path.id} />
      <h2>Events</h2>
      {marks.length === 0 ? (
        <p className="muted">No steering events on this path in the range.</p>
      ) : (
        <ul className="events" aria-label="Events on this path">
          {[...marks]
            .sort((a, b) => b.t - a.t)
            .slice(0, 50)
            .map((m, i) => (
              <li key={i}>
                <time dateTime={new Date(m.t).toISOString()}>{when(new Date(m.t).toISOString())}</time> {m.label}
              </li>
            ))}
        </ul>
      )}
    </section>
  );
}

function bfdWord(s: string | null): string {
  if (s === "UP") return "up";
  if (s === "DOWN" || s === "ADMIN_DOWN") return "down";
  if (s === "INIT") return "degraded";
  return "unknown";
}
