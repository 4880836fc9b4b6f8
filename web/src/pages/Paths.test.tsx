import { act, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { Provider } from "urql";
import { describe, expect, it } from "vitest";
import { LiveProvider } from "../live/LiveProvider";
import { testClient } from "../test/testClient";
import { Paths } from "./Paths";
import { routerFuture } from "../routerFuture";

const path = (id: string, state: string) => {
  const [a, b] = id.split("->") as [string, string];
  const [siteA, linkA] = a.split("/");
  const [siteB, linkB] = b.split("/");
  return { id, siteA, linkA, siteB, linkB, state, latencyMs: 10, jitterMs: 1, lossPct: 0, measuredAt: new Date(Date.now() - 5000).toISOString(), bfdState: "UP", score: 100, activeFlows: 2 };
};

function setup() {
  const t = testClient({
    NetworkPaths: () => ({
      paths: { nodes: [path("site1/inet->site2/inet", "UP"), path("site1/lte->site2/lte", "UP")], pageInfo: { hasNextPage: false, endCursor: null } },
    }),
  });
  render(
    <Provider value={t.client}>
      <MemoryRouter future={routerFuture}>
        <LiveProvider>
          <Paths />
        </LiveProvider>
      </MemoryRouter>
    </Provider>,
  );
  return t;
}

describe("Paths", () => {
  it("lists every path by its ID with its state word", async () => {
    setup();
    const table = await screen.findByRole("table", { name: "Paths" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.querySelector("code")?.textContent)).toEqual(["site1/inet->site2/inet", "site1/lte->site2/lte"]);
    for (const r of rows) expect(within(r).getByText("up")).toBeInTheDocument();
    expect(within(rows[0]!).getByRole("link")).toHaveAttribute("href", "/paths/site1/inet-%3Esite2/inet");
  });

  it("turns a path down when its event arrives, named from the other end", async () => {
    const t = setup();
    await screen.findByRole("table", { name: "Paths" });
    act(() =>
      t.emit("LivePathEvents", {
        pathEvents: { site: "site2", pathId: "site2/lte->site1/lte", state: "DOWN", stateChanged: true, bfdState: "DOWN", latencyMs: null, jitterMs: null, lossPct: 100, score: 0, suppressed: false, activeFlows: 0, at: new Date().toISOString() },
      }),
    );
    const row = document.querySelector('[data-path-id="site1/lte->site2/lte"]')!;
    expect(row).toHaveAttribute("data-state", "down");
    expect(within(row as HTMLElement).getByText("down")).toBeInTheDocument();
    expect(document.querySelector('[data-path-id="site1/inet->site2/inet"]')).toHaveAttribute("data-state", "up");
  });
});
