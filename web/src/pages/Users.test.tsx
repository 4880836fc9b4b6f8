import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../auth/session";
import { GqlErrors, testClient } from "../test/testClient";
import { renderPage, user } from "../test/renderPage";
import { Users } from "./Users";

const me = vi.hoisted(() => ({ current: null as unknown as Me }));
vi.mock("../auth/useSession", () => ({ useMe: () => me.current, useCanOperate: () => me.current.role !== "viewer" }));

function setup() {
  return testClient({
    UsersAndKeys: () => ({
      users: {
        nodes: [
          { name: "root", role: "ADMIN", source: "local", mfaEnabled: true, createdAt: "2026-12-01T00:00:00Z", disabledAt: null, lastLogin: null },
          { name: "bob", role: "VIEWER", source: "local", mfaEnabled: false, createdAt: "2026-12-01T00:00:00Z", disabledAt: null, lastLogin: null },
        ],
        totalCount: 2,
      },
      apiKeys: { nodes: [{ id: "k1", name: "ci", role: "OPERATOR", owner: "root", createdAt: "2026-12-01T00:00:00Z", expiresAt: null, lastUsed: null, revokedAt: null }], totalCount: 1 },
    }),
    CreateUser: (v) => {
      const input = v.input as { name: string; password: string };
      if (input.password.length < 12) throw new GqlErrors([{ message: "password: shorter than 12 characters", extensions: { code: "INVALID_ARGUMENT", field: "password" } }]);
      return { createUser: { name: input.name, role: "OPERATOR" } };
    },
    UpdateUser: (v) => ({ updateUser: { name: v.name, role: (v.input as { role?: string }).role ?? "VIEWER", disabledAt: null } }),
    DeleteUser: () => ({ deleteUser: { deletedNodeId: "x" } }),
    CreateAPIKey: (v) => ({ createAPIKey: { secret: "pak_s3cret", apiKey: { id: "k2", name: v.name, role: v.role } } }),
    RevokeAPIKey: () => ({ revokeAPIKey: { deletedNodeId: "k1" } }),
  });
}

describe("Users", () => {
  beforeEach(() => {
    me.current = user("admin");
  });

  it("creates a user, showing the server's field error beside the password", async () => {
    const u = userEvent.setup();
    const t = setup();
    renderPage(t, <Users />);
    const form = await screen.findByRole("form", { name: "Create a user" });
    await u.type(within(form).getByLabelText("User name"), "carol");
    await u.selectOptions(within(form).getByLabelText("Role"), "OPERATOR");
    const pw = within(form).getByLabelText("Initial password");
    await u.type(pw, "short");
    await u.click(within(form).getByRole("button", { name: "Create user" }));
    await waitFor(() => expect(pw).toHaveAccessibleDescription("shorter than 12 characters"));
    await u.type(pw, " but longer now");
    expect(pw).not.toHaveAttribute("aria-invalid");
    await u.click(within(form).getByRole("button", { name: "Create user" }));
    expect(await within(form).findByText("Created carol.")).toBeInTheDocument();
    expect(t.calls.filter((c) => c.name === "CreateUser").at(-1)!.variables).toEqual({ input: { name: "carol", role: "OPERATOR", password: "short but longer now" } });
  });

  it("changes a role, and cannot delete or disable oneself", async () => {
    const u = userEvent.setup();
    const t = setup();
    renderPage(t, <Users />);
    await u.selectOptions(await screen.findByLabelText("Role of bob"), "OPERATOR");
    await waitFor(() => expect(t.calls.find((c) => c.name === "UpdateUser")?.variables).toEqual({ name: "bob", input: { role: "OPERATOR" } }));
    expect(screen.queryByRole("button", { name: "Delete root" })).toBeNull();
    await u.click(screen.getByRole("button", { name: "Delete bob" }));
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).getByRole("button", { name: "Delete user" })).toBeDisabled();
    await u.type(within(dialog).getByLabelText(/Type/), "bob");
    await u.click(within(dialog).getByRole("button", { name: "Delete user" }));
    await waitFor(() => expect(t.calls.some((c) => c.name === "DeleteUser")).toBe(true));
  });

  it("shows an API key's secret once", async () => {
    const u = userEvent.setup();
    renderPage(setup(), <Users />);
    const form = await screen.findByRole("form", { name: "Create an API key" });
    await u.type(within(form).getByLabelText("Key name"), "deploy");
    await u.click(within(form).getByRole("button", { name: "Create API key" }));
    expect(await screen.findByTestId("API key")).toHaveTextContent("pak_s3cret");
    expect(screen.getByText(/Shown once/)).toBeInTheDocument();
  });

  it("gives a non-admin nothing to edit", () => {
    me.current = user("operator");
    const t = setup();
    renderPage(t, <Users />);
    expect(screen.getByText("Users and API keys are managed by admins.")).toBeInTheDocument();
    expect(screen.queryByRole("button")).toBeNull();
    expect(t.calls.filter((c) => c.name === "UsersAndKeys")).toHaveLength(0);
  });
});
