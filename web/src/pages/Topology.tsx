import { memo, useMemo, type KeyboardEvent } from "react";
import { useNavigate } from "react-router-dom";
import { ErrorBox, Loading } from "../components/Status";
import { ms, pct } from "../components/format";
import { HEIGHT, WIDTH, layoutPaths, layoutSites, linkColour, type EdgePos } from "../components/topologyLayout";
import { pathHref, stateWord } from "../live/paths";
import { useNetworkPaths, useNetworkSites } from "../live/useNetwork";

function activate(go: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      go();
    }
  };
}

/**
 * One path's edge. Memoised: a live event re-renders the edge of its path
 * only (a fleet's topology draws thousands; docs/BENCHMARKS.md).
 */
const TopologyEdge = memo(function TopologyEdge(props: {
  e: EdgePos;
  state: string;
  detail: string;
  colourA: string;
  colourB: string;
  open: (href: string) => void;
}) {
  const { e, state: w, detail, colourA, colourB, open } = props;
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
 * arrives. Nodes and edges are links (Tab, Enter).
 */
export function Topology() {
  const navigate = useNavigate();
  const { network, sites, error: siteErr } = useNetworkSites();
  const { paths, error: pathErr } = useNetworkPaths();
  const hubAndSpoke = network?.topology === "HUB_AND_SPOKE";
  const nodes = useMemo(() => layoutSites(sites ?? [], hubAndSpoke), [sites, hubAndSpoke]);
  // The layout depends on which paths there are, not on their states: a
  // live event (tens a second in a fleet) does not lay the graph out again.
  const shape = paths?.map((p) => p.id).join(" ") ?? "";
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const edges = useMemo(() => layoutPaths(paths ?? [], nodes), [shape, nodes]);
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
                  state={stateWord(p.state)}
                  detail={`latency ${ms(p.latencyMs)} · jitter ${ms(p.jitterMs)} · loss ${pct(p.lossPct)}`}
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
