import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { Provider } from "urql";
import { describe, expect, it, vi } from "vitest";
import { LiveProvider } from "../live/LiveProvider";
import { routerFuture } from "../routerFuture";
import { testClient } from "../test/testClient";
import { Topology } from "./Topology";
import { Overview } from "./Overview";

// stateWord is called once per edge drawn: counting its calls counts the
// edges a live event re-rendered.
const drawn = vi.hoisted(() => ({ n: 0 }));
vi.mock("../live/paths", async (load) => {
  const real = await load<typeof import("../live/paths")>();
  return { ...real, stateWord: (s: string | null | undefined) => (drawn.n++, real.stateWord(s)) };
});

const now = () => new Date().toISOString();
const path = (id: string, state: string) => {
  const m = /^(.+)\/(.+)->(.+)\/(.+)$/.exec(id)!;
  return { id, siteA: m[1], linkA: m[2], siteB: m[3], linkB: m[4], state, latencyMs: 3, jitterMs: 1, lossPct: 0, measuredAt: new Date(Date.now() - 3000).toISOString(), bfdState: "UP", score: 100, activeFlows: 0 };
};
const answers = {
  NetworkSites: () => ({
    network: { name: "default", topology: "HUB_AND_SPOKE", revision: 3 },
    sites: ["hub", "s1", "s2"].map((name) => ({
      name,
      role: name === "hub" ? "HUB" : "SPOKE",
      state: "ENROLLED",
      online: true,
      lastSeen: now(),
      links: [{ name: "inet", colour: "inet" }, { name: "lte", colour: "lte" }],
    })),
  }),
  NetworkPaths: () => ({
    paths: { nodes: [path("s1/inet->hub/inet", "UP"), path("s1/lte->hub/lte", "UP"), path("s2/inet->hub/inet", "DEGRADED")], pageInfo: { hasNextPage: false, endCursor: null } },
  }),
  AppTraffic: () => ({ applicationTraffic: [{ application: "voip", flows: 2, bytesSent: 4000, bytesReceived: 0, sites: 1, paths: 1 }] }),
  RecentSteering: () => ({
    steeringEvents: {
      nodes: [
        { at: now(), site: "s1", pathId: "s1/inet->hub/inet", kind: "decision", reason: "path down", flowsMoved: 3 },
        { at: now(), site: "s2", pathId: "s2/inet->hub/inet", kind: "decision", reason: "sla voice violated for 3s: loss 5% > 1%", flowsMoved: 1 },
        { at: now(), site: "s2", pathId: "s2/inet->hub/inet", kind: "decision", reason: "initial choice", flowsMoved: 0 },
      ],
      pageInfo: { hasNextPage: false, endCursor: null },
    },
  }),
};

function Where() {
  return <output aria-label="location">{decodeURIComponent(useLocation().pathname)}</output>;
}

function setup(page: "topology" | "overview") {
  const t = testClient(answers);
  render(
    <Provider value={t.client}>
      <MemoryRouter future={routerFuture} initialEntries={[page === "topology" ? "/topology" : "/"]}>
        <LiveProvider>
          <Routes>
            <Route path="/topology" element={<Topology />} />
            <Route path="/" element={<Overview />} />
            <Route path="*" element={<Where />} />
          </Routes>
        </LiveProvider>
      </MemoryRouter>
    </Provider>,
  );
  return t;
}

describe("Topology", () => {
  it("draws the hub in the middle, paths coloured by state, live, and opens a path by keyboard", async () => {
    const t = setup("topology");
    const hub = await screen.findByRole("link", { name: "Site hub (hub): online" });
    expect(hub).toHaveAttribute("transform", "translate(500,350)");
    const edge = screen.getByRole("link", { name: "Path s1/inet->hub/inet: up" });
    expect(edge).toHaveAttribute("data-state", "up");
    expect(screen.getByRole("link", { name: "Path s2/inet->hub/inet: degraded" })).toBeInTheDocument();
    expect(screen.getByText("Hub and spoke", { exact: false })).toBeInTheDocument();

    drawn.n = 0;
    act(() =>
      t.emit("LivePathEvents", {
        pathEvents: { site: "hub", pathId: "hub/inet->s1/inet", state: "DOWN", stateChanged: true, bfdState: "DOWN", latencyMs: null, jitterMs: null, lossPct: null, score: 0, suppressed: false, activeFlows: 0, at: now() },
      }),
    );
    expect(screen.getByRole("link", { name: "Path s1/inet->hub/inet: down" })).toHaveAttribute("data-state", "down");
    expect(drawn.n).toBe(1); // that path's edge only, not the other two

    const user = userEvent.setup();
    screen.getByRole("link", { name: "Path s1/lte->hub/lte: up" }).focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("status", { name: "location" })).toHaveTextContent("/paths/s1/lte->hub/lte");
  });
});

describe("Overview", () => {
  it("names every site and counts paths, failovers and SLA violations", async () => {
    setup("overview");
    for (const s of ["hub", "s1", "s2"]) expect(await screen.findByRole("link", { name: s })).toBeInTheDocument();
    const stat = (label: string) => screen.getByText(label).previousElementSibling?.textContent;
    expect(stat("sites online")).toBe("3 / 3");
    expect(stat("paths up")).toBe("2");
    expect(stat("paths degraded")).toBe("1");
    expect(stat("paths down")).toBe("0");
    await waitFor(() => expect(stat("failovers, last hour")).toBe("2"));
    expect(stat("SLA violations, last hour")).toBe("1");
    const apps = await screen.findByRole("table", { name: "Top applications in the last hour" });
    expect(within(apps).getByRole("rowheader", { name: "voip" })).toBeInTheDocument();
  });
});
