import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { GqlErrors, testClient } from "../test/testClient";
import { renderPage } from "../test/renderPage";
import { AppTraffic } from "./AppTraffic";
import { bytes } from "./format";

const apps = [
  { application: "voip", flows: 4, bytesSent: 2_500_000, bytesReceived: 41_000, sites: 2, paths: 3 },
  { application: "web", flows: 12, bytesSent: 830, bytesReceived: 0, sites: 1, paths: 1 },
];

describe("AppTraffic", () => {
  it("lists the network's top applications of the last hour, most bytes first", async () => {
    const t = testClient({ AppTraffic: () => ({ applicationTraffic: apps }) });
    renderPage(t, <AppTraffic label="Top applications" />);
    const table = await screen.findByRole("table", { name: "Top applications" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["voip", "web"]);
    expect(within(rows[0]!).getByText("2.50 MB")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("830 B")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("41.0 kB")).toBeInTheDocument();
    expect(within(table).getByRole("columnheader", { name: "Bytes received" })).toBeInTheDocument();
    expect(within(table).getByRole("columnheader", { name: "Sites" })).toBeInTheDocument();
    const call = t.calls.find((c) => c.name === "AppTraffic")!;
    const since = Date.parse((call.variables.filter as { since: string }).since);
    expect(Math.abs(Date.now() - 3600_000 - since)).toBeLessThan(60_000);
  });

  it("asks for a site's or a path's applications, without the columns that then say nothing", async () => {
    const t = testClient({ AppTraffic: () => ({ applicationTraffic: apps }) });
    renderPage(t, <AppTraffic label="Path apps" path="s1/inet->s2/lte" />);
    const table = await screen.findByRole("table", { name: "Path apps" });
    expect(within(table).queryByRole("columnheader", { name: "Sites" })).toBeNull();
    expect(within(table).queryByRole("columnheader", { name: "Paths" })).toBeNull();
    expect(t.calls.find((c) => c.name === "AppTraffic")!.variables.filter).toMatchObject({ path: "s1/inet->s2/lte" });
  });

  it("says when nothing was reported, and shows the API's error", async () => {
    const empty = testClient({ AppTraffic: () => ({ applicationTraffic: [] }) });
    const { unmount } = renderPage(empty, <AppTraffic label="x" site="s1" />);
    expect(await screen.findByText("No traffic reported in the last hour.")).toBeInTheDocument();
    unmount();
    const bad = testClient({
      AppTraffic: () => {
        throw new GqlErrors([{ message: "path: not a path ID", extensions: { code: "INVALID_ARGUMENT", field: "path" } }]);
      },
    });
    renderPage(bad, <AppTraffic label="Path apps" path="nonsense" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("not a path ID");
  });

  it("formats bytes in powers of 1000", () => {
    expect([0, 999, 1000, 12_345, 9_999_999, 3e12].map(bytes)).toEqual(["0 B", "999 B", "1.00 kB", "12.3 kB", "10.0 MB", "3.00 TB"]);
  });
});
