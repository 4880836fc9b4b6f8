// Where the topology page draws sites and paths: a layout computed, not
// simulated, so it is stable between updates. Hub-and-spoke: the hubs in
// the middle, the spokes around them; full mesh: every site on a circle.
// Several paths between the same two sites (inet-inet, lte-lte, …) are
// curves bowed apart so each stays visible and clickable.

export const WIDTH = 1000;
export const HEIGHT = 700;

export interface SiteIn {
  name: string;
  role: "HUB" | "SPOKE";
}

export interface PathIn {
  id: string;
  siteA: string;
  siteB: string;
}

export interface NodePos {
  name: string;
  hub: boolean;
  x: number;
  y: number;
}

export interface EdgePos {
  id: string;
  /** SVG path data: a quadratic curve from siteA to siteB. */
  d: string;
  /** Points 20 % from each end, where the link colours are marked. */
  endA: { x: number; y: number };
  endB: { x: number; y: number };
}

/** Sites on an ellipse of radii rx, ry (two sites side by side: the page is wider than tall). */
function ring(names: string[], rx: number, ry: number, cx: number, cy: number, hub: boolean): NodePos[] {
  if (names.length === 1 && rx < 100) return [{ name: names[0]!, hub, x: cx, y: cy }];
  const start = names.length === 2 ? Math.PI : -Math.PI / 2;
  return names.map((name, i) => {
    const a = start + (2 * Math.PI * i) / names.length;
    return { name, hub, x: cx + rx * Math.cos(a), y: cy + ry * Math.sin(a) };
  });
}

export function layoutSites(sites: SiteIn[], hubAndSpoke: boolean): Map<string, NodePos> {
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  const rx = WIDTH * 0.4;
  const ry = HEIGHT * 0.38;
  const sorted = [...sites].sort((a, b) => a.name.localeCompare(b.name));
  const hubs = hubAndSpoke ? sorted.filter((s) => s.role === "HUB").map((s) => s.name) : [];
  const rest = sorted.filter((s) => !hubs.includes(s.name)).map((s) => s.name);
  const nodes = [
    ...(hubs.length ? ring(hubs, hubs.length === 1 ? 0 : rx * 0.25, hubs.length === 1 ? 0 : ry * 0.25, cx, cy, true) : []),
    ...ring(rest, rx, ry, cx, cy, false),
  ];
  if (!hubAndSpoke) for (const n of nodes) n.hub = sites.find((s) => s.name === n.name)?.role === "HUB";
  return new Map(nodes.map((n) => [n.name, n]));
}

function along(ax: number, ay: number, qx: number, qy: number, bx: number, by: number, t: number) {
  const u = 1 - t;
  return { x: u * u * ax + 2 * u * t * qx + t * t * bx, y: u * u * ay + 2 * u * t * qy + t * t * by };
}

export function layoutPaths(paths: PathIn[], nodes: Map<string, NodePos>, gap = 40): EdgePos[] {
  const groups = new Map<string, PathIn[]>();
  for (const p of paths) {
    const k = [p.siteA, p.siteB].sort().join("|");
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const out: EdgePos[] = [];
  for (const [k, group] of groups) {
    const [s1, s2] = k.split("|") as [string, string];
    const a = nodes.get(s1);
    const b = nodes.get(s2);
    if (!a || !b) continue;
    group.sort((x, y) => x.id.localeCompare(y.id));
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const nx = -(b.y - a.y) / len;
    const ny = (b.x - a.x) / len;
    group.forEach((p, i) => {
      const off = (i - (group.length - 1) / 2) * gap;
      const qx = (a.x + b.x) / 2 + nx * off * 2;
      const qy = (a.y + b.y) / 2 + ny * off * 2;
      // Drawn from the path's own siteA, so its link colours sit at its ends.
      const [from, to] = p.siteA === s1 ? [a, b] : [b, a];
      out.push({
        id: p.id,
        d: `M${from.x.toFixed(1)},${from.y.toFixed(1)} Q${qx.toFixed(1)},${qy.toFixed(1)} ${to.x.toFixed(1)},${to.y.toFixed(1)}`,
        endA: along(from.x, from.y, qx, qy, to.x, to.y, 0.2),
        endB: along(from.x, from.y, qx, qy, to.x, to.y, 0.8),
      });
    });
  }
  return out;
}

/** Colours of well-known link colours; others get a stable hue from their name. */
const LINK_COLOURS: Record<string, string> = {
  inet: "#3b82f6",
  internet: "#3b82f6",
  lte: "#a855f7",
  "5g": "#d946ef",
  mpls: "#14b8a6",
  broadband: "#0ea5e9",
  satellite: "#f97316",
};

export function linkColour(name: string): string {
  const known = LINK_COLOURS[name.toLowerCase()];
  if (known) return known;
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h} 70% 55%)`;
}
