import { act, render, screen, within } from "@testing-library/react";
import axe from "axe-core";
import { Provider } from "urql";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testClient } from "../test/testClient";
import { BGP_POLL_MS, SiteBgp } from "./SiteBgp";

const neighbor = (address: string, over: Record<string, unknown> = {}) => ({
  address, remoteAs: 65101, passwordSet: false, bfd: false, maxPrefixes: 0, state: null, reason: null,
  received: null, accepted: null, advertised: null, bfdState: null, ...over,
});

function setup(bgp: () => unknown[]) {
  const t = testClient({ SiteBgp: () => ({ bgp: bgp() }) });
  const r = render(
    <Provider value={t.client}>
      <main>
        <h2>BGP</h2>
        <SiteBgp site="site1" />
      </main>
    </Provider>,
  );
  return { t, container: r.container };
}

describe("SiteBgp", () => {
  afterEach(() => void vi.useRealTimers());

  it("shows each neighbour's session and prefix counts, refreshes them, and passes axe", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let state = "ACTIVE";
    const { t, container } = setup(() => [
      {
        site: "site1", localAs: 65001, routerId: "10.1.0.1", listenPort: 0, gracefulRestart: true,
        reportedAt: new Date().toISOString(), learnedPrefixes: ["10.101.0.0/24", "10.101.1.0/24"],
        neighbors: [
          neighbor("10.1.0.2", {
            passwordSet: true, bfd: true, maxPrefixes: 500, state,
            reason: state === "ACTIVE" ? "bfd down" : null, received: 2, accepted: 2, advertised: 7,
            bfdState: state === "ACTIVE" ? "down" : "up",
          }),
          neighbor("10.1.0.9", { remoteAs: null, state: "IDLE", received: 0, accepted: 0, advertised: 0 }),
        ],
      },
    ]);
    const table = await screen.findByRole("table", { name: "BGP neighbours of site1" });
    const row = (addr: string) => within(table).getByRole("row", { name: new RegExp(addr.replace(/\./g, "\\.")) });
    expect(row("10.1.0.2")).toHaveTextContent("65101active bfd down227500downTCP MD5");
    expect(row("10.1.0.9")).toHaveTextContent("no longer configuredidle000");
    expect(screen.getByText("10.101.1.0/24")).toBeInTheDocument();
    expect(screen.getByText("Local AS").nextElementSibling).toHaveTextContent("65001");
    expect(screen.getByText("Router ID").nextElementSibling).toHaveTextContent("10.1.0.1");
    expect(screen.queryByRole("button")).toBeNull(); // read only

    const res = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    expect(res.passes.length).toBeGreaterThan(0);
    expect(res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(", ")}`)).toEqual([]);

    state = "ESTABLISHED";
    const before = t.calls.filter((c) => c.name === "SiteBgp").length;
    await act(async () => void vi.advanceTimersByTime(BGP_POLL_MS));
    expect(t.calls.filter((c) => c.name === "SiteBgp").length).toBe(before + 1);
    expect(row("10.1.0.2")).toHaveTextContent("65101established227500upTCP MD5");
    expect(t.calls.find((c) => c.name === "SiteBgp")?.variables).toMatchObject({ site: "site1" });
  });

  it("says when the site has no BGP speaker", async () => {
    setup(() => []);
    expect(await screen.findByText(/No BGP speaker configured/)).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });
});
