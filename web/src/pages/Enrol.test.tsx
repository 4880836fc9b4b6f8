import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../auth/session";
import { GqlErrors, testClient } from "../test/testClient";
import { renderPage, user } from "../test/renderPage";
import { Enrol, controllerAddress, edgeCommand } from "./Enrol";

const me = vi.hoisted(() => ({ current: null as unknown as Me }));
vi.mock("../auth/useSession", () => ({
  useMe: () => me.current,
  useCanOperate: () => me.current.role !== "viewer",
}));

const future = new Date(Date.now() + 3600_000).toISOString();
const tokens = [
  { id: "jt_1", site: "branch1", createdAt: "2026-12-03T10:00:00Z", expiresAt: future, usedAt: null, revokedAt: null },
  { id: "jt_0", site: "hq", createdAt: "2026-12-01T10:00:00Z", expiresAt: future, usedAt: "2026-12-01T11:00:00Z", revokedAt: null },
];

function setup() {
  return testClient({
    JoinTokens: () => ({ joinTokens: { nodes: tokens, pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 2 } }),
    CreateJoinToken: (v) => {
      if (v.ttl === "forever") throw new GqlErrors([{ message: 'ttl: "forever" is not a duration', extensions: { code: "INVALID_ARGUMENT", field: "ttl" } }]);
      return { createJoinToken: { secret: "ptj_s3cret", token: { id: "jt_2", site: v.site, expiresAt: future } } };
    },
    RevokeJoinToken: (v) => ({ revokeJoinToken: { id: v.id, revokedAt: new Date().toISOString() } }),
  });
}

describe("Enrol", () => {
  beforeEach(() => {
    me.current = user("operator");
  });

  it("creates a join token and shows it once with the edge command", async () => {
    const u = userEvent.setup();
    const t = setup();
    renderPage(t, <Enrol />);
    await u.type(screen.getByLabelText("Site name"), "branch2");
    const ttl = screen.getByLabelText("Valid for");
    await u.clear(ttl);
    await u.type(ttl, "forever");
    await u.click(screen.getByRole("button", { name: "Create join token" }));
    await waitFor(() => expect(ttl).toHaveAccessibleDescription(/"forever" is not a duration/));
    expect(screen.getByLabelText("Site name")).not.toHaveAttribute("aria-invalid");

    await u.clear(ttl);
    expect(ttl).not.toHaveAttribute("aria-invalid");
    await u.type(ttl, "2h");
    await u.click(screen.getByRole("button", { name: "Create join token" }));
    const cmd = await screen.findByTestId("edge-command");
    expect(cmd).toHaveTextContent(`patronus edge --controller ${location.hostname}:${location.port || "80"} --join-token ptj_s3cret`);
    expect(screen.getByTestId("Join token")).toHaveTextContent("ptj_s3cret");
    expect(screen.getByRole("button", { name: "Copy command" })).toBeInTheDocument();
    expect(t.calls.filter((c) => c.name === "CreateJoinToken").at(-1)!.variables).toEqual({ site: "branch2", ttl: "2h" });
  });

  it("lists tokens and revokes an outstanding one after confirming", async () => {
    const u = userEvent.setup();
    const t = setup();
    renderPage(t, <Enrol />);
    const table = await screen.findByRole("table", { name: "Join tokens" });
    expect(within(table).getByText(/used/)).toBeInTheDocument();
    expect(within(table).queryByRole("button", { name: /Revoke token jt_0/ })).toBeNull();
    await u.click(within(table).getByRole("button", { name: "Revoke token jt_1 for branch1" }));
    await u.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke token" }));
    await waitFor(() => expect(t.calls.find((c) => c.name === "RevokeJoinToken")?.variables).toEqual({ id: "jt_1" }));
  });

  it("works from the keyboard: Enter in the form creates the token", async () => {
    const u = userEvent.setup();
    const t = setup();
    renderPage(t, <Enrol />);
    await u.tab();
    expect(screen.getByLabelText("Site name")).toHaveFocus();
    await u.keyboard("branch3{Enter}");
    expect(await screen.findByTestId("edge-command")).toHaveTextContent("--join-token ptj_s3cret");
    expect(t.calls.find((c) => c.name === "CreateJoinToken")!.variables).toEqual({ site: "branch3", ttl: "24h" });
  });

  it("gives a viewer no controls", async () => {
    me.current = user("viewer");
    renderPage(setup(), <Enrol />);
    await screen.findByRole("table", { name: "Join tokens" });
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.queryByRole("textbox")).toBeNull();
  });
});

describe("edge command", () => {
  it("names the controller by the page's host and port", () => {
    expect(controllerAddress({ hostname: "ctl.example.net", port: "", protocol: "https:" })).toBe("ctl.example.net:443");
    expect(controllerAddress({ hostname: "::1", port: "8443", protocol: "https:" })).toBe("[::1]:8443");
    expect(edgeCommand("10.0.0.1:8443", "ptj_x")).toBe("patronus edge --controller 10.0.0.1:8443 --join-token ptj_x");
  });
});
