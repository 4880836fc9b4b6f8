// Path IDs as the edge prints them: "site1/inet->site2/lte". The same path
// is named from either end ("site2/lte->site1/inet" by site2); pathKey is
// the same for both.

export type PathStateWord = "up" | "degraded" | "down" | "unknown";

export interface PathEnds {
  siteA: string;
  linkA: string;
  siteB: string;
  linkB: string;
}

/** parsePathId splits "a/al->b/bl"; null when id is not of that form. */
export function parsePathId(id: string): PathEnds | null {
  const m = /^([^/]+)\/([^/]+)->([^/]+)\/([^/]+)$/.exec(id);
  if (!m) return null;
  return { siteA: m[1]!, linkA: m[2]!, siteB: m[3]!, linkB: m[4]! };
}

/** pathKey names a path whichever end names it. */
export function pathKey(id: string): string {
  const p = parsePathId(id);
  if (!p) return id;
  const a = `${p.siteA}/${p.linkA}`;
  const b = `${p.siteB}/${p.linkB}`;
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** stateWord is the word `patronus paths` prints for a state. */
export function stateWord(s: string | null | undefined): PathStateWord {
  switch (s) {
    case "UP":
      return "up";
    case "DEGRADED":
      return "degraded";
    case "DOWN":
      return "down";
    default:
      return "unknown";
  }
}

/** The page path of a path's own page. */
export function pathHref(id: string): string {
  return "/paths/" + id.split("/").map(encodeURIComponent).join("/");
}
