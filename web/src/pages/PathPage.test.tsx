import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { Provider } from "urql";
import { describe, expect, it } from "vitest";
import { LiveProvider } from "../live/LiveProvider";
import { routerFuture } from "../routerFuture";
import { testClient } from "../test/testClient";
import { PathPage } from "./PathPage";

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

function setup() {
  const t = testClient({
    PathDetail: (v) => ({
      path: {
        id: v.id,
        siteA: "site1",
        linkA: "inet",
        siteB: "site2",
        linkB: "lte",
        state: "UP",
        latencyMs: 12.5,
        jitterMs: 1.2,
        lossPct: 0,
        measuredAt: ago(2),
        bfdState: "UP",
        score: 97,
        suppressed: false,
        activeFlows: 4,
        reportedBy: "site1",
        history: {
          resolution: Date.parse(String(v.to)) - Date.parse(String(v.from)) > 3600_000 ? "MINUTE" : "RAW",
          points: [60, 40, 20].map((s) => ({ at: ago(s), state: "UP", latencyMs: 10 + s / 10, maxLatencyMs: 20, jitterMs: 1, lossPct: 0, samples: 1, downSamples: 0 })),
        },
      },
    }),
    AppTraffic: () => ({ applicationTraffic: [{ application: "voip", flows: 2, bytesSent: 4000, bytesReceived: 0, sites: 1, paths: 1 }] }),
    PathFlows: (v) => ({
      path: {
        id: v.id,
        currentFlows: [
          {
            reportedBy: "site1", src: "10.1.0.2", dst: "10.2.0.2", srcPort: 40000, dstPort: 5201, protocol: 6, application: "iperf",
            class: "bulk", policy: "default", serverName: null, txBytes: 1_000_000, rxBytes: 9000, txPackets: 700, rxPackets: 150,
            startedAt: ago(30), windowStart: ago(10), windowEnd: ago(0),
          },
        ],
      },
    }),
    PathSteering: () => ({
      a: { nodes: [{ at: ago(30), site: "site1", pathId: "site1/inet->site2/lte", kind: "path_state", reason: "up → degraded: loss" }] },
      b: { nodes: [{ at: ago(25), site: "site2", pathId: "site2/lte->site1/inet", kind: "decision", reason: "path degraded (score 60.0) for 3s" }] },
    }),
  });
  render(
    <Provider value={t.client}>
      <MemoryRouter future={routerFuture} initialEntries={["/paths/site1/inet-%3Esite2/lte"]}>
        <LiveProvider>
          <Routes>
            <Route path="/paths/*" element={<PathPage />} />
          </Routes>
        </LiveProvider>
      </MemoryRouter>
    </Provider>,
  );
  return t;
}

describe("PathPage", () => {
  it("shows the path's quality, charts with its events from both ends, and live reports", async () => {
    const t = setup();
    expect(await screen.findByRole("heading", { name: /site1\/inet->site2\/lte/ })).toBeInTheDocument();
    expect(t.calls.find((c) => c.name === "PathDetail")?.variables.id).toBe("site1/inet->site2/lte");
    expect(screen.getByText("12.5 ms")).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "Latency over time" })).toBeInTheDocument();
    const events = await screen.findByRole("list", { name: "Events on this path" });
    expect(await within(events).findByText(/site2 decision: path degraded/)).toBeInTheDocument();
    expect(within(events).getByText(/site1 path_state: up → degraded/)).toBeInTheDocument();
    expect(document.querySelectorAll(".chart .mark").length).toBe(6); // 2 events × 3 charts
    const apps = await screen.findByRole("table", { name: "Applications on this path in the last hour" });
    expect(within(apps).getByRole("rowheader", { name: "voip" })).toBeInTheDocument();
    expect(t.calls.find((c) => c.name === "AppTraffic")?.variables.filter).toMatchObject({ path: "site1/inet->site2/lte" });
    const flows = await screen.findByRole("table", { name: "Current flows on this path" });
    expect(within(flows).getByRole("rowheader", { name: "10.1.0.2:40000 → 10.2.0.2:5201" })).toBeInTheDocument();
    expect(within(flows).getByText("iperf")).toBeInTheDocument();

    // Live: every report of site1's paths; this one's reports are drawn.
    const sub = t.calls.find((c) => c.name === "PathReports");
    expect(sub?.variables).toEqual({ site: "site1" });
    act(() =>
      t.emit("PathReports", { pathEvents: { pathId: "site1/inet->site2/lte", state: "DOWN", bfdState: "DOWN", latencyMs: null, jitterMs: null, lossPct: 100, at: ago(0) } }),
    );
    expect(screen.getByRole("img", { name: "BFD state over time" }).querySelector(".cell.state-down")).not.toBeNull();
  });

  it("switches between live, 1 h, 24 h and 7 d", async () => {
    const t = setup();
    await screen.findByRole("heading", { name: /site1\/inet->site2\/lte/ });
    const user = userEvent.setup();
    expect(screen.getByRole("button", { name: "Live" })).toHaveAttribute("aria-pressed", "true");
    await user.click(screen.getByRole("button", { name: "24 h" }));
    expect(screen.getByRole("button", { name: "24 h" })).toHaveAttribute("aria-pressed", "true");
    const last = t.calls.filter((c) => c.name === "PathDetail").at(-1)!.variables;
    expect(Date.parse(String(last.to)) - Date.parse(String(last.from))).toBe(86400_000);
    expect(await screen.findByText("minute resolution")).toBeInTheDocument();
    expect(screen.queryByRole("img", { name: "BFD state over time" })).toBeNull();
  });
});
