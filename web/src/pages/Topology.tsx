import { memo, useMemo, type KeyboardEvent } from "react";
import { useNavigate } from "react-router-dom";
import { ErrorBox, Loading } from "../components/Status";
import { ms, pct } from "../components/format";
import { HEIGHT, WIDTH, layoutPaths, layoutSites, linkColour, type EdgePos } from "../components/topologyLayout";
import { usePathEvent, withPathEvent } from "../live/LiveProvider";
import { pathHref, stateWord } from "../live/paths";
import { useQueriedPaths, useNetworkSites } from "../live/useNetwork";

function activate(go: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      go();
    }
  };
}

interface QueriedPath {
  id: string;
  state?: string | null;
  measuredAt?: string | null;
  latencyMs?: number | null;
  jitterMs?: number | null;
  lossPct?: number | null;
}

/**
 * One path's edge. It subscribes to its own path's live events, and its
 * props stay the same objects while the paths and sites do: a batch of
 * live events re-renders the edges of the paths it changed, not the page
 * (a fleet's topology draws thousands; docs/BENCHMARKS.md).
 */
const TopologyEdge = memo(function TopologyEdge(props: {
  e: EdgePos;
  queried: QueriedPath;
  colourA: string;
  colourB: string;
  open: (href: string) => void;
}) {
  const { e, queried, colourA, colourB, open } = props;
  const p = withPathEvent(queried, usePathEvent(queried.id));
  const w = stateWord(p.state);
  const detail = `latency ${ms(p.latencyMs)} · jitter ${ms(p.jitterMs)} · loss ${pct(p.lossPct)}`;
  const label = `Path ${e.id}: ${w === "unknown" ? "no data" : w}`;
  return (
    <g
      className={`edge state-${w}`}
      data-path-id={e.id}
      data-state={w}
      role="link"
      tabIndex={0}
      aria-label={label}
      onClick={() => open(pathHref(e.id))}
      onKeyDown={activate(() => open(pathHref(e.id)))}
    >
      <title>{`${label}\n${detail}`}</title>
      <path className="edge-hit" d={e.d} />
      <path className="edge-line" d={e.d} />
      <circle cx={e.endA.x} cy={e.endA.y} r={5} fill={colourA} />
      <circle cx={e.endB.x} cy={e.endB.y} r={5} fill={colourB} />
    </g>
  );
});

/**
 * The network drawn: sites as nodes (hubs in the middle of a hub-and-spoke
 * network), paths as edges coloured by state, each end marked with its
 * link's colour. Live: a path's edge changes colour as its state event
 * arrives; the page itself is not re-rendered by path events (it reads
 * the paths as queried; each edge reads its own events). Nodes and edges
 * are links (Tab, Enter).
 */
export function Topology() {
  const navigate = useNavigate();
  const { network, sites, error: siteErr } = useNetworkSites();
  const { paths, error: pathErr } = useQueriedPaths();
  const hubAndSpoke = network?.topology === "HUB_AND_SPOKE";
  // The layout depends on which sites there are and their roles: a site
  // going on- or offline does not lay the graph out again (nor give every
  // edge new props).
  const siteShape = sites?.map((s) => `${s.name}:${s.role}`).join(" ") ?? "";
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const nodes = useMemo(() => layoutSites(sites ?? [], hubAndSpoke), [siteShape, hubAndSpoke]);
  // The layout depends on which paths there are, not on their states; live
  // events (tens a second in a fleet) do not reach this component at all.
  const edges = useMemo(() => layoutPaths(paths ?? [], nodes), [paths, nodes]);
  const byId = useMemo(() => new Map((paths ?? []).map((p) => [p.id, p])), [paths]);
  const colours = useMemo(() => {
    const m = new Map<string, string>();
    for (const s of sites ?? []) for (const l of s.links) m.set(`${s.name}/${l.name}`, l.colour);
    return m;
  }, [sites]);
  const usedColours = [...new Set(colours.values())].sort();
  const online = new Map((sites ?? []).map((s) => [s.name, s.online]));

  return (
    <section>
      <h1>Topology{network ? `: ${network.name}` : ""}</h1>
      <p className="muted">
        {hubAndSpoke ? "Hub and spoke" : "Full mesh"} · {sites?.length ?? "…"} sites · {paths?.length ?? "…"} paths.
        Select a site or a path to open it.
      </p>
      {siteErr && <ErrorBox error={siteErr} what="Sites" />}
      {pathErr && <ErrorBox error={pathErr} what="Paths" />}
      {(!sites || !paths) && !siteErr && !pathErr && <Loading what="the topology" />}
      {sites && paths && (
        <svg
          className="topology"
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="group"
          aria-label="Network topology"
        >
          <g className="edges">
            {edges.map((e) => {
              const p = byId.get(e.id)!;
              return (
                <TopologyEdge
                  key={e.id}
                  e={e}
                  queried={p}
                  colourA={linkColour(colours.get(`${p.siteA}/${p.linkA}`) ?? p.linkA)}
                  colourB={linkColour(colours.get(`${p.siteB}/${p.linkB}`) ?? p.linkB)}
                  open={navigate}
                />
              );
            })}
          </g>
          <g className="nodes">
            {[...nodes.values()].map((n) => {
              const up = online.get(n.name) ?? false;
              const href = `/sites/${encodeURIComponent(n.name)}`;
              return (
                <g
                  key={n.name}
                  className={`node ${up ? "online" : "offline"} ${n.hub ? "hub" : "spoke"}`}
                  transform={`translate(${n.x},${n.y})`}
                  role="link"
                  tabIndex={0}
                  aria-label={`Site ${n.name}${n.hub ? " (hub)" : ""}: ${up ? "online" : "offline"}`}
                  data-site={n.name}
                  onClick={() => navigate(href)}
                  onKeyDown={activate(() => navigate(href))}
                >
                  {n.hub ? <rect x={-22} y={-22} width={44} height={44} rx={8} /> : <circle r={16} />}
                  <text y={n.hub ? 40 : 34} textAnchor="middle">
                    {n.name}
                  </text>
                </g>
              );
            })}
          </g>
        </svg>
      )}
      <div className="legend" aria-label="Legend">
        <span>
          <i className="swatch state-up" /> up
        </span>
        <span>
          <i className="swatch state-degraded" /> degraded
        </span>
        <span>
          <i className="swatch state-down" /> down (dashed)
        </span>
        <span>
          <i className="swatch state-unknown" /> no data
        </span>
        {usedColours.map((c) => (
          <span key={c}>
            <i className="dot" style={{ background: linkColour(c) }} /> {c}
          </span>
        ))}
      </div>
    </section>
  );
}
