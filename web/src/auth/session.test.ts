import { afterEach, describe, expect, it, vi } from "vitest";
import { Session } from "./session";

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  sessionStorage.clear();
});

describe("Session", () => {
  it("refreshes the access token before it expires, and ends the session when refreshing is refused", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let n = 0;
    const refreshes: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith("/login")) return json(200, { access_token: "a0", refresh_token: "r0", expires_in: 900 });
        if (url.endsWith("/me")) return json(200, { subject: "alice", role: "admin", method: "password" });
        if (url.endsWith("/refresh")) {
          refreshes.push(JSON.parse(String(init?.body)).refresh_token);
          n++;
          if (n === 1) return json(200, { access_token: "a1", refresh_token: "r1", expires_in: 900 });
          return json(401, { error: { code: "unauthenticated", message: "session ended" } });
        }
        return json(404, {});
      }),
    );
    const s = new Session(sessionStorage);
    await s.login("alice", "pw");
    expect(s.current.kind).toBe("signedIn");
    expect(await s.token()).toBe("a0");

    // A minute before expiry: refreshed with the stored (single-use) token.
    await vi.advanceTimersByTimeAsync(840_000);
    expect(refreshes).toEqual(["r0"]);
    expect(await s.token()).toBe("a1");
    expect(sessionStorage.getItem("patronus.refresh")).toBe("r1");

    // The API refuses the token; refreshing is refused too: signed out, saying why.
    expect(await s.rejected()).toBeNull();
    expect(s.current).toEqual({ kind: "signedOut", reason: "Your session has expired: sign in again." });
    expect(sessionStorage.getItem("patronus.refresh")).toBeNull();
  });

  it("resumes from the stored refresh token after a reload, and signs out on the server", async () => {
    const calls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push(`${init?.method ?? "GET"} ${url.replace("/api/v1/auth", "")}`);
        if (url.endsWith("/refresh")) return json(200, { access_token: "a2", refresh_token: "r2", expires_in: 900 });
        if (url.endsWith("/me")) return json(200, { subject: "bob", role: "viewer", method: "password" });
        if (url.endsWith("/logout")) return new Response(null, { status: 204 });
        return json(404, {});
      }),
    );
    sessionStorage.setItem("patronus.refresh", "r1");
    const s = new Session(sessionStorage);
    await s.restore();
    expect(s.current).toMatchObject({ kind: "signedIn", me: { subject: "bob" } });
    await s.logout();
    expect(s.current.kind).toBe("signedOut");
    expect(sessionStorage.getItem("patronus.refresh")).toBeNull();
    expect(calls).toEqual(["POST /refresh", "GET /me", "POST /logout"]);
  });

  it("starts signed out without a stored token", async () => {
    const s = new Session(sessionStorage);
    await s.restore();
    expect(s.current).toEqual({ kind: "signedOut" });
  });
});
