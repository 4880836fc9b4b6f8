import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { testClient } from "../test/testClient";
import { renderPage } from "../test/renderPage";
import { Events } from "./Events";

const ev = (i: number, kind = "failover") => ({
  nodeId: `e${i}`,
  at: new Date(Date.UTC(2026, 11, 3, 10, 0, i)).toISOString(),
  site: "site1",
  pathId: "site1/inet->site2/lte",
  kind,
  reason: `reason ${i}`,
  flowsMoved: i,
});

function setup() {
  return testClient({
    EventLog: (v) =>
      v.after
        ? { steeringEvents: { nodes: [ev(1)], pageInfo: { hasNextPage: false, endCursor: null } } }
        : { steeringEvents: { nodes: [ev(3), ev(2)], pageInfo: { hasNextPage: true, endCursor: "c2" } } },
  });
}

describe("Events", () => {
  it("lists events, adds live ones on top, filters and pages with the cursor", async () => {
    const u = userEvent.setup();
    const t = setup();
    renderPage(t, <Events />);
    const table = await screen.findByRole("table", { name: "Events" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);

    act(() =>
      t.emit("EventLogSteering", {
        steeringEvents: { at: new Date().toISOString(), site: "site2", pathId: "site2/lte->site1/inet", kind: "failover", reason: "live one", flowsMoved: 4 },
      }),
    );
    act(() => t.emit("EventLogSites", { siteEvents: { site: "site3", online: false, at: new Date().toISOString() } }));
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows[0]).toHaveAttribute("data-kind", "site_offline");
    expect(rows[1]).toHaveTextContent("live one");

    await u.type(screen.getByLabelText("Kind"), "failover");
    await u.type(screen.getByLabelText("Site"), "site1");
    await u.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(t.calls.filter((c) => c.name === "EventLog").at(-1)!.variables.filter).toMatchObject({ site: "site1", kind: "failover" }));
    expect(screen.queryByText("live one")).toBeNull();

    await u.click(screen.getByRole("button", { name: "Older events" }));
    expect(await screen.findByText("reason 1")).toBeInTheDocument();
    expect(t.calls.filter((c) => c.name === "EventLog").at(-1)!.variables.after).toBe("c2");
  });
});
