import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../auth/session";
import { testClient } from "../test/testClient";
import { renderPage, user } from "../test/renderPage";
import { Audit } from "./Audit";

const me = vi.hoisted(() => ({ current: null as unknown as Me }));
vi.mock("../auth/useSession", () => ({ useMe: () => me.current, useCanOperate: () => me.current.role !== "viewer" }));

const entry = (id: number, action: string) => ({
  id,
  at: "2026-12-03T10:00:00Z",
  actor: "alice",
  role: "admin",
  method: "password",
  sourceIp: "10.0.0.1",
  action,
  target: "site/default/branch1",
  outcome: "SUCCESS",
  detail: '{"site":"branch1"}',
});

describe("Audit", () => {
  beforeEach(() => {
    me.current = user("admin");
  });

  it("filters by actor, action and outcome and pages with the cursor", async () => {
    const u = userEvent.setup();
    const t = testClient({
      AuditLogPage: (v) => ({
        auditLog: v.after
          ? { nodes: [entry(1, "user.create")], pageInfo: { hasNextPage: false, endCursor: null } }
          : { nodes: [entry(2, "join_token.create")], pageInfo: { hasNextPage: true, endCursor: "a2" } },
      }),
    });
    renderPage(t, <Audit />);
    const table = await screen.findByRole("table", { name: "Audit log" });
    expect(within(table).getByText("join_token.create")).toBeInTheDocument();
    await u.type(screen.getByLabelText("Actor"), "alice");
    await u.type(screen.getByLabelText("Action"), "site.");
    await u.selectOptions(screen.getByLabelText("Outcome"), "FAILURE");
    await u.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() =>
      expect(t.calls.filter((c) => c.name === "AuditLogPage").at(-1)!.variables.filter).toEqual({ actor: "alice", action: "site.", outcome: "FAILURE", since: null, until: null }),
    );
    await u.click(screen.getByRole("button", { name: "Older entries" }));
    expect(await screen.findByText("user.create")).toBeInTheDocument();
  });

  it("is for admins only", () => {
    me.current = user("operator");
    const t = testClient({});
    renderPage(t, <Audit />);
    expect(screen.getByText("The audit log is for admins.")).toBeInTheDocument();
    expect(t.calls.filter((c) => c.name === "AuditLogPage")).toHaveLength(0);
  });
});
