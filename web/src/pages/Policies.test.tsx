import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../auth/session";
import { GqlErrors, testClient } from "../test/testClient";
import { renderPage, user } from "../test/renderPage";
import { Policies } from "./Policies";
import { diffLines, hunks } from "./policyForm";

const me = vi.hoisted(() => ({ current: null as unknown as Me }));
vi.mock("../auth/useSession", () => ({
  useMe: () => me.current,
  useCanOperate: () => me.current.role !== "viewer",
}));

const policySet = (revision: number) => ({
  revision,
  updatedAt: "2026-12-03T10:00:00Z",
  slaClasses: [{ name: "voice", maxLatency: "150ms", maxJitter: "30ms", maxLossPct: 1 }],
  applications: [
    { name: "sip", class: "voice", match: { cidrs: [], sourceCidrs: [], protocols: ["udp"], ports: ["5060"], dscp: [], domains: [] }, matchAny: [] },
  ],
  disableBuiltinApplications: false,
  policies: [{ name: "calls", slaClass: "voice", colors: ["mpls", "inet"], mode: "BEST_PATH", match: { applications: ["sip"], classes: [] }, compression: null }],
  steering: null,
  qualityModel: null,
});

function setup(setPolicySet: (v: Record<string, unknown>) => unknown) {
  let rev = 7;
  const t = testClient({
    PolicyEditor: () => ({
      policySet: policySet(rev),
      slaClasses: [{ name: "voice", maxLatency: "150ms", maxJitter: "30ms", maxLossPct: 1, builtin: false }, { name: "bulk", maxLatency: null, maxJitter: null, maxLossPct: 5, builtin: true }],
      applications: [{ name: "ssh", class: "interactive", builtin: true }],
    }),
    SetPolicies: (v) => {
      const r = setPolicySet(v);
      rev = 8;
      return r as Record<string, unknown>;
    },
    PolicyAudit: () => ({
      auditLog: {
        nodes: [{ id: 3, at: "2026-12-03T10:00:00Z", actor: "alice", role: "operator", method: "password", sourceIp: "10.0.0.1", action: "policy.set", target: "network/default/policy_set", outcome: "SUCCESS", detail: '{"revision":7}' }],
      },
    }),
  });
  renderPage(t, <Policies />);
  return t;
}

describe("Policies", () => {
  beforeEach(() => {
    me.current = user("operator");
  });

  it("shows the change as a diff, then the server's field errors beside their fields", async () => {
    const u = userEvent.setup();
    const t = setup(() => {
      throw new GqlErrors([
        {
          message: 'sla_classes[0].max_latency: sla_classes[0].max_latency: "soon" is not a duration; policies[0].sla_class: "gold" is not an SLA class',
          extensions: { code: "INVALID_ARGUMENT", field: "sla_classes[0].max_latency" },
        },
      ]);
    });
    const cls = await screen.findByRole("group", { name: "SLA class 1" });
    const latency = within(cls).getByLabelText("Max latency");
    expect(latency).toHaveValue("150ms");
    await u.clear(latency);
    await u.type(latency, "soon");
    const pol = screen.getByRole("group", { name: "Policy 1" });
    await u.clear(within(pol).getByLabelText("SLA class"));
    await u.type(within(pol).getByLabelText("SLA class"), "gold");
    await u.click(screen.getByRole("button", { name: "Review changes" }));

    const diff = screen.getByTestId("diff");
    expect(diff).toHaveTextContent('- "maxLatency": "150ms"');
    expect(diff).toHaveTextContent('+ "maxLatency": "soon"');
    expect(diff).toHaveTextContent('+ "slaClass": "gold"');

    await u.click(screen.getByRole("button", { name: "Apply to revision 7" }));
    await waitFor(() => expect(latency).toHaveAccessibleDescription('"soon" is not a duration'));
    expect(latency).toHaveAttribute("aria-invalid", "true");
    expect(within(pol).getByLabelText("SLA class")).toHaveAccessibleDescription('"gold" is not an SLA class');
    expect(within(cls).getByLabelText("Name")).not.toHaveAttribute("aria-invalid");
    const call = t.calls.find((c) => c.name === "SetPolicies")!;
    expect(call.variables.expectedRevision).toBe(7);
    const sent = call.variables.policySet as { slaClasses: { maxLatency: string }[]; policies: { slaClass: string; colors: string[] }[] };
    expect(sent.slaClasses[0]!.maxLatency).toBe("soon");
    expect(sent.policies[0]).toMatchObject({ slaClass: "gold", colors: ["mpls", "inet"] });
  });

  it("refuses clearly when someone else changed the set (STALE)", async () => {
    const u = userEvent.setup();
    setup(() => {
      throw new GqlErrors([{ message: "network default is at revision 8, not 7", extensions: { code: "STALE" } }]);
    });
    await u.click(await screen.findByRole("button", { name: "Add SLA class" }));
    await u.type(within(screen.getByRole("group", { name: "SLA class 2" })).getByLabelText("Name"), "video");
    await u.click(screen.getByRole("button", { name: "Review changes" }));
    expect(screen.getByTestId("diff")).toHaveTextContent('+ "name": "video"');
    await u.click(screen.getByRole("button", { name: "Apply to revision 7" }));
    expect(await screen.findByText(/someone changed the policy set since you loaded revision 7/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reload the policy set" })).toBeInTheDocument();
  });

  it("applies the set and shows the new revision", async () => {
    const u = userEvent.setup();
    setup(() => ({ setPolicySet: { revision: 8, updatedAt: "2026-12-03T11:00:00Z" } }));
    const remove = await screen.findByRole("button", { name: "Remove application sip" });
    await u.click(remove);
    await u.click(screen.getByRole("button", { name: "Review changes" }));
    expect(screen.getByTestId("diff")).toHaveTextContent('- "name": "sip"');
    await u.click(screen.getByRole("button", { name: "Apply to revision 7" }));
    await waitFor(() => expect(screen.getByTestId("revision")).toHaveTextContent("8"));
  });

  it("shows the audit trail of policy changes to admins", async () => {
    me.current = user("admin");
    setup(() => ({}));
    const trail = await screen.findByRole("table", { name: "Policy changes" });
    expect(within(trail).getByText("policy.set")).toBeInTheDocument();
    expect(within(trail).getByText(/alice/)).toBeInTheDocument();
  });

  it("gives a viewer no edit controls", async () => {
    me.current = user("viewer");
    const t = setup(() => ({}));
    expect(await screen.findByRole("table", { name: "Policies" })).toHaveTextContent("calls");
    expect(screen.queryAllByRole("textbox")).toHaveLength(0);
    expect(screen.queryByRole("button", { name: /Review|Add|Remove|Apply/ })).toBeNull();
    expect(t.calls.map((c) => c.name)).not.toContain("PolicyAudit");
  });
});

describe("diffLines", () => {
  it("keeps common lines and marks the rest", () => {
    const d = diffLines("a\nb\nc", "a\nx\nc");
    expect(d.map((l) => l.op + l.text)).toEqual([" a", "-b", "+x", " c"]);
    expect(hunks(diffLines("1\n2\n3\n4\n5\n6\n7\n8", "1\n2\n3\n4\n5\n6\n7\nX"), 1).map((l) => (l ? l.op + l.text : "…"))).toEqual(["…", " 7", "-8", "+X"]);
  });
});
