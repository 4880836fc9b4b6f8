import { act, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GqlErrors, testClient } from "../test/testClient";
import { renderPage } from "../test/renderPage";
import { CurrentFlows, FLOWS_REFRESH_MS } from "./CurrentFlows";

const end = "2026-12-03T12:00:10Z";
const start = "2026-12-03T12:00:00Z";
const flow = {
  reportedBy: "site1",
  src: "10.1.0.2",
  dst: "10.2.0.2",
  srcPort: 40000,
  dstPort: 873,
  protocol: 6,
  application: "rsync",
  class: "bulk",
  policy: "default",
  serverName: null,
  txBytes: 12_500_000,
  rxBytes: 40_000,
  txPackets: 8600,
  rxPackets: 700,
  startedAt: "2026-12-03T11:58:10Z",
  windowStart: start,
  windowEnd: end,
};
const ping = {
  ...flow,
  reportedBy: "site2",
  src: "2001:db8::2",
  dst: "2001:db8::1",
  srcPort: 0,
  dstPort: 0,
  protocol: 58,
  application: "unclassified",
  class: "default",
  serverName: "host.example",
  txBytes: 840,
  rxBytes: 840,
  txPackets: 10,
  rxPackets: 10,
  startedAt: "2026-12-03T12:00:05Z",
};

afterEach(() => vi.useRealTimers());

describe("CurrentFlows", () => {
  it("lists a path's current flows with their window's traffic, and refreshes every 10 s", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let flows = [flow, ping];
    const t = testClient({ PathFlows: (v) => ({ path: { id: v.id, currentFlows: flows } }) });
    renderPage(t, <CurrentFlows label="Current flows" path="site1/inet->site2/lte" />);
    const table = await screen.findByRole("table", { name: "Current flows" });
    expect(t.calls.find((c) => c.name === "PathFlows")?.variables.id).toBe("site1/inet->site2/lte");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual([
      "10.1.0.2:40000 → 10.2.0.2:873",
      "2001:db8::2 → 2001:db8::1 (host.example)",
    ]);
    const first = within(rows[0]!);
    for (const text of ["TCP", "rsync", "bulk", "default", "12.5 MB", "40.0 kB", "8600 / 700", "2 min", "site1"]) {
      expect(first.getByText(text)).toBeInTheDocument();
    }
    expect(first.getByText("12.5 MB")).toHaveAttribute("title", "10.00 Mbit/s");
    expect(within(rows[1]!).getByText("ICMPv6")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("5 s")).toBeInTheDocument();
    for (const name of ["Flow", "Protocol", "Application", "Class", "Policy", "Sent", "Received", "Age", "Reported by"]) {
      expect(within(table).getByRole("columnheader", { name })).toBeInTheDocument();
    }

    flows = [];
    await act(async () => {
      vi.advanceTimersByTime(FLOWS_REFRESH_MS);
    });
    expect(await screen.findByText("No flows on this path in the last window.")).toBeInTheDocument();
    expect(t.calls.filter((c) => c.name === "PathFlows").length).toBeGreaterThanOrEqual(2);
  });

  it("shows the API's error", async () => {
    const t = testClient({
      PathFlows: () => {
        throw new GqlErrors([{ message: "path a/inet->z/inet in network default: not found", extensions: { code: "NOT_FOUND" } }]);
      },
    });
    renderPage(t, <CurrentFlows label="Current flows" path="a/inet->z/inet" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("not found");
  });
});
