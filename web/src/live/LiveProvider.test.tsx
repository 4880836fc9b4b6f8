import { act, render, screen, waitFor } from "@testing-library/react";
import { Provider } from "urql";
import { describe, expect, it } from "vitest";
import { testClient } from "../test/testClient";
import { LiveProvider, PATH_FLUSH_MS, useLive } from "./LiveProvider";

function States() {
  const live = useLive();
  return <output aria-label="states">{[...live.paths.entries()].map(([k, e]) => `${k}=${e.state}`).sort().join(" ")}</output>;
}

const ev = (pathId: string, state: string) => ({
  pathEvents: { site: "a", pathId, state, stateChanged: true, bfdState: state, latencyMs: null, jitterMs: null, lossPct: null, score: 0, suppressed: false, activeFlows: 0, at: new Date().toISOString() },
});

describe("LiveProvider", () => {
  it("applies a lone path event at once and a burst in one batch", async () => {
    const t = testClient({});
    render(
      <Provider value={t.client}>
        <LiveProvider>
          <States />
        </LiveProvider>
      </Provider>,
    );
    const out = screen.getByRole("status", { name: "states" });
    act(() => t.emit("LivePathEvents", ev("a/inet->b/inet", "DOWN")));
    expect(out.textContent).toContain("=DOWN"); // at once
    const start = Date.now();
    act(() => {
      t.emit("LivePathEvents", ev("a/inet->b/inet", "UP"));
      t.emit("LivePathEvents", ev("a/lte->b/lte", "DOWN"));
    });
    expect(out.textContent).not.toContain("=UP"); // held for the batch
    await waitFor(() => expect(out.textContent?.split(" ").sort()).toEqual(["a/inet|b/inet=UP", "a/lte|b/lte=DOWN"].sort()), { timeout: 2000 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(PATH_FLUSH_MS - 50);
  });
});
