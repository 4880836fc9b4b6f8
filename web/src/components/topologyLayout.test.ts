import { describe, expect, it } from "vitest";
import { HEIGHT, WIDTH, layoutPaths, layoutSites } from "./topologyLayout";

/** 1 when p is on the ellipse the layout puts sites on. */
const onEllipse = (p: { x: number; y: number }) => ((p.x - WIDTH / 2) / (WIDTH * 0.4)) ** 2 + ((p.y - HEIGHT / 2) / (HEIGHT * 0.38)) ** 2;

describe("topology layout", () => {
  const sites = [
    { name: "hub", role: "HUB" as const },
    { name: "s1", role: "SPOKE" as const },
    { name: "s2", role: "SPOKE" as const },
    { name: "s3", role: "SPOKE" as const },
  ];
  it("puts the hub in the middle of a hub-and-spoke network", () => {
    const n = layoutSites(sites, true);
    expect(n.get("hub")).toMatchObject({ x: WIDTH / 2, y: HEIGHT / 2, hub: true });
    for (const s of ["s1", "s2", "s3"]) expect(onEllipse(n.get(s)!)).toBeCloseTo(1);
  });
  it("puts every site on the circle of a full mesh", () => {
    const n = layoutSites(sites, false);
    for (const p of n.values()) expect(onEllipse(p)).toBeCloseTo(1);
  });
  it("bows parallel paths apart, each from its own siteA", () => {
    const n = layoutSites(sites, false);
    const e = layoutPaths(
      [
        { id: "s1/inet->s2/inet", siteA: "s1", siteB: "s2" },
        { id: "s2/lte->s1/lte", siteA: "s2", siteB: "s1" },
        { id: "s1/inet->gone/inet", siteA: "s1", siteB: "gone" },
      ],
      n,
    );
    expect(e.map((x) => x.id).sort()).toEqual(["s1/inet->s2/inet", "s2/lte->s1/lte"]);
    expect(e[0]!.d).not.toBe(e[1]!.d);
    const s2 = n.get("s2")!;
    expect(e.find((x) => x.id === "s2/lte->s1/lte")!.d.startsWith(`M${s2.x.toFixed(1)},${s2.y.toFixed(1)}`)).toBe(true);
  });
});
