import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PathStore } from "./pathStore";

const at = (ms: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, 0, ms)).toISOString();

describe("PathStore", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("tells a path's subscribers of its changes only, in batches, keeping the newest event", () => {
    const s = new PathStore<{ pathId: string; at: string; state: string }>(200);
    const a = vi.fn();
    const b = vi.fn();
    const all = vi.fn();
    s.subscribe("a/inet|b/inet", a);
    const offB = s.subscribe("a/lte|b/lte", b);
    s.subscribeAll(all);
    const snap0 = s.snapshot();

    s.add({ pathId: "b/inet->a/inet", at: at(1), state: "DOWN" }); // named from the other end
    expect([a.mock.calls.length, b.mock.calls.length, all.mock.calls.length]).toEqual([1, 0, 1]);
    expect(s.get("a/inet|b/inet")?.state).toBe("DOWN");
    expect(s.snapshot()).not.toBe(snap0);
    expect(s.snapshot()).toBe(s.snapshot()); // stable until the next batch

    // Within the batch window: held, and the older of two events is dropped.
    s.add({ pathId: "a/inet->b/inet", at: at(3), state: "UP" });
    s.add({ pathId: "a/inet->b/inet", at: at(2), state: "DEGRADED" });
    expect(a).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(200);
    expect(a).toHaveBeenCalledTimes(2);
    expect(b).not.toHaveBeenCalled();
    expect(s.get("a/inet|b/inet")?.state).toBe("UP");

    // An event older than the one kept changes nothing and tells no one.
    vi.advanceTimersByTime(200);
    s.add({ pathId: "a/inet->b/inet", at: at(0), state: "DOWN" });
    expect([a.mock.calls.length, all.mock.calls.length]).toEqual([2, 2]);

    offB();
    vi.advanceTimersByTime(200);
    s.add({ pathId: "a/lte->b/lte", at: at(5), state: "DOWN" });
    expect(b).not.toHaveBeenCalled();
    expect(all).toHaveBeenCalledTimes(3);
    s.close();
  });
});
