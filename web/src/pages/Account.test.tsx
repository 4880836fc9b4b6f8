import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../auth/session";
import { session } from "../auth/session";
import { testClient } from "../test/testClient";
import { renderPage, user } from "../test/renderPage";
import { Account } from "./Account";

const me = vi.hoisted(() => ({ current: null as unknown as Me }));
vi.mock("../auth/useSession", () => ({ useMe: () => me.current, useCanOperate: () => me.current.role !== "viewer" }));

function json(status: number, body: unknown) {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("Account", () => {
  it("enrols TOTP: QR code of the otpauth URI, verification, recovery codes once", async () => {
    me.current = user("viewer", { mfa_enabled: false });
    vi.spyOn(session, "token").mockResolvedValue("at");
    const otpauth = "otpauth://totp/Patronus:viewer?secret=JBSWY3DPEHPK3PXP&issuer=Patronus";
    const sent: { url: string; body?: string; auth: string | null }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        sent.push({ url, body: init?.body as string | undefined, auth: new Headers(init?.headers).get("Authorization") });
        if (url.endsWith("/mfa/totp")) return json(200, { secret: "JBSWY3DPEHPK3PXP", url: otpauth });
        if (url.endsWith("/mfa/totp/confirm")) {
          const { otp } = JSON.parse(String(init?.body));
          if (otp !== "123456") return json(401, { error: { code: "bad_otp", message: "wrong code", field: "otp" } });
          return json(200, { recovery_codes: ["aaaa-bbbb-cccc-dddd", "eeee-ffff-0000-1111"] });
        }
        return json(404, {});
      }),
    );
    const u = userEvent.setup();
    renderPage(testClient({}), <Account />);
    expect(screen.getByText("Two-factor sign-in is off.")).toBeInTheDocument();
    await u.click(screen.getByRole("button", { name: "Set up two-factor sign-in" }));
    const qr = await screen.findByRole("img", { name: "QR code of your authenticator setup" });
    expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    expect(decodeURIComponent(qr.getAttribute("src")!)).toContain("<path");
    expect(screen.getByTestId("totp-secret")).toHaveTextContent("JBSWY3DPEHPK3PXP");

    const code = screen.getByLabelText("Code from the app");
    await u.type(code, "000000");
    await u.click(screen.getByRole("button", { name: "Verify and turn on" }));
    await waitFor(() => expect(code).toHaveAccessibleDescription("That code is not right: try the current one."));
    await u.clear(code);
    await u.type(code, "123456");
    await u.click(screen.getByRole("button", { name: "Verify and turn on" }));
    expect(await screen.findByTestId("recovery-codes")).toHaveTextContent("aaaa-bbbb-cccc-dddd");
    expect(screen.getByText(/Two-factor sign-in is/)).toHaveTextContent("on");
    expect(sent.every((s) => s.auth === "Bearer at")).toBe(true);
    expect(sent.map((s) => s.url)).toEqual(["/api/v1/auth/mfa/totp", "/api/v1/auth/mfa/totp/confirm", "/api/v1/auth/mfa/totp/confirm"]);
  });
});
