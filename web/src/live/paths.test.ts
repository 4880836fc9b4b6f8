import { describe, expect, it } from "vitest";
import { parsePathId, pathHref, pathKey, stateWord } from "./paths";
import { isFailover, isSLAViolation } from "./steering";

describe("path IDs", () => {
  it("parses the edge's form", () => {
    expect(parsePathId("site1/inet->site2/lte")).toEqual({ siteA: "site1", linkA: "inet", siteB: "site2", linkB: "lte" });
    expect(parsePathId("site1/inet-site2/lte")).toBeNull();
  });
  it("keys a path the same from either end", () => {
    expect(pathKey("a/inet->b/lte")).toBe(pathKey("b/lte->a/inet"));
    expect(pathKey("a/inet->b/lte")).not.toBe(pathKey("a/lte->b/inet"));
  });
  it("prints the state words of patronus paths", () => {
    expect(["UP", "DEGRADED", "DOWN", null].map(stateWord)).toEqual(["up", "degraded", "down", "unknown"]);
  });
  it("links to a path's page keeping the slashes", () => {
    expect(pathHref("a/inet->b/lte")).toBe("/paths/a/inet-%3Eb/lte");
  });
});

describe("steering events", () => {
  const d = (reason: string) => ({ kind: "decision", reason });
  it("counts failovers and SLA violations from the edge's reasons", () => {
    expect(isFailover(d("path down"))).toBe(true);
    expect(isFailover(d("path suppressed for flapping (penalty 3000)"))).toBe(true);
    expect(isFailover(d("sla voice violated for 3s: latency 200ms > 150ms"))).toBe(true);
    expect(isSLAViolation(d("sla voice violated for 3s: latency 200ms > 150ms"))).toBe(true);
    expect(isSLAViolation(d("no path meets sla voice: best score 40.0 over 50.0 (x)"))).toBe(true);
    expect(isFailover(d("initial choice"))).toBe(false);
    expect(isFailover(d("joins the load balance: up and meeting the sla"))).toBe(false);
    expect(isFailover({ kind: "path_state", reason: "up → down: bfd, score 0.0" })).toBe(false);
  });
});
