import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { session } from "../auth/session";
import { SignIn } from "./SignIn";

function json(status: number, body: unknown) {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => vi.unstubAllGlobals());

describe("SignIn", () => {
  it("asks for the TOTP code when the server wants it, then signs in", async () => {
    const bodies: Record<string, unknown>[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith("/methods")) return json(200, { password: true, oidc: true });
        if (url.endsWith("/login")) {
          const b = JSON.parse(String(init?.body));
          bodies.push(b);
          if (!b.otp) return json(401, { error: { code: "mfa_required", message: "code required", field: "otp" } });
          if (b.otp !== "123456") return json(401, { error: { code: "unauthenticated", message: "no" } });
          return json(200, { access_token: "at", refresh_token: "rt", expires_in: 900, token_type: "Bearer" });
        }
        if (url.endsWith("/me")) return json(200, { subject: "alice", role: "viewer", method: "password", session_id: "s1" });
        return json(404, { error: { code: "not_found", message: url } });
      }),
    );
    const user = userEvent.setup();
    render(<SignIn />);
    expect(await screen.findByRole("link", { name: "Sign in with single sign-on" })).toHaveAttribute("href", "/api/v1/auth/oidc/login");
    await user.type(screen.getByLabelText("Username"), "alice");
    await user.type(screen.getByLabelText("Password"), "correct horse battery");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    const code = await screen.findByLabelText("Authentication code");
    expect(code).toHaveFocus();
    await user.type(code, "000000");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong user name, password or code.");
    await user.clear(code);
    await user.type(code, "123456");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(session.current).toEqual({ kind: "signedIn", me: expect.objectContaining({ subject: "alice", role: "viewer" }) }));
    expect(bodies.map((b) => b.otp)).toEqual([undefined, "000000", "123456"]);
    expect(sessionStorage.getItem("patronus.refresh")).toBe("rt");
  });

  it("says when the credentials are wrong", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        url.endsWith("/methods") ? json(200, { password: true, oidc: false }) : json(401, { error: { code: "unauthenticated", message: "no" } }),
      ),
    );
    const user = userEvent.setup();
    render(<SignIn reason="Your session has expired: sign in again." />);
    expect(screen.getByRole("status")).toHaveTextContent("Your session has expired");
    await user.type(screen.getByLabelText("Username"), "bob");
    await user.type(screen.getByLabelText("Password"), "wrong password!!");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong user name or password.");
    expect(screen.queryByRole("link", { name: /single sign-on/ })).toBeNull();
  });
});
