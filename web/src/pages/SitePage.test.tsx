import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { Provider } from "urql";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { LiveProvider } from "../live/LiveProvider";
import { routerFuture } from "../routerFuture";
import { testClient } from "../test/testClient";
import { SitePage } from "./SitePage";

let role = "viewer";
vi.mock("../auth/useSession", () => ({
  useCanOperate: () => role !== "viewer",
  useMe: () => ({ subject: "u", role, method: "password" }),
}));

const site = {
  name: "site1",
  role: "SPOKE",
  state: "ENROLLED",
  publicKey: "k".repeat(43) + "=",
  lastSeen: new Date().toISOString(),
  online: true,
  createdAt: "2026-01-01T00:00:00Z",
  links: [{ name: "inet", colour: "inet", cost: 10, bandwidthKbps: 0, endpoint: "192.0.2.1:51820", interface: "eth0", listenPort: 51820 }],
  prefixes: ["10.1.0.0/24"],
  paths: [{ id: "site1/inet->site2/inet", state: "UP", latencyMs: 5, jitterMs: 1, lossPct: 0, measuredAt: new Date().toISOString(), bfdState: "UP" }],
};

function setup() {
  const t = testClient({
    SiteDetail: () => ({ site, steeringEvents: { nodes: [{ at: new Date().toISOString(), pathId: "site1/inet->site2/inet", kind: "path_state", reason: "down → up", flowsMoved: 0 }] } }),
    AppTraffic: () => ({ applicationTraffic: [{ application: "voip", flows: 2, bytesSent: 4000, bytesReceived: 0, sites: 1, paths: 1 }] }),
    RevokeSite: () => ({ revokeSite: { name: "site1", state: "REVOKED" } }),
    SiteBgp: () => ({
      bgp: [
        {
          site: "site1", localAs: 65001, routerId: null, listenPort: 0, gracefulRestart: true, reportedAt: new Date().toISOString(), learnedPrefixes: ["10.101.0.0/24"],
          neighbors: [{ address: "10.1.0.2", remoteAs: 65101, passwordSet: false, bfd: false, maxPrefixes: 0, state: "ESTABLISHED", reason: null, received: 1, accepted: 1, advertised: 3, bfdState: null }],
        },
      ],
    }),
  });
  render(
    <Provider value={t.client}>
      <MemoryRouter future={routerFuture} initialEntries={["/sites/site1"]}>
        <LiveProvider>
          <Routes>
            <Route path="/sites/:name" element={<SitePage />} />
          </Routes>
        </LiveProvider>
      </MemoryRouter>
    </Provider>,
  );
  return t;
}

describe("SitePage", () => {
  beforeEach(() => {
    role = "viewer";
  });

  it("shows links, prefixes, paths and events, and no edit controls to a viewer", async () => {
    setup();
    await screen.findByRole("heading", { name: /site1/ });
    expect(within(screen.getByRole("table", { name: "Links" })).getByText("192.0.2.1:51820")).toBeInTheDocument();
    expect(screen.getByText("10.1.0.0/24")).toBeInTheDocument();
    expect(screen.getAllByRole("link", { name: "site1/inet->site2/inet" }).length).toBeGreaterThan(0);
    expect(screen.getByText(/down → up/)).toBeInTheDocument();
    const apps = await screen.findByRole("table", { name: "Applications site1 sent in the last hour" });
    expect(within(apps).getByRole("rowheader", { name: "voip" })).toBeInTheDocument();
    const bgp = await screen.findByRole("table", { name: "BGP neighbours of site1" });
    expect(within(bgp).getByRole("row", { name: /10\.1\.0\.2 65101 established/ })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Revoke|Delete/ })).toBeNull();
  });

  it("revokes after confirmation for an operator; Escape cancels", async () => {
    role = "operator";
    const t = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Revoke site" }));
    expect(screen.getByRole("dialog", { name: "Revoke site1?" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(t.calls.some((c) => c.name === "RevokeSite")).toBe(false);

    await user.click(screen.getByRole("button", { name: "Revoke site" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(t.calls.find((c) => c.name === "RevokeSite")?.variables).toMatchObject({ name: "site1" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("deletes only once the site's name is typed", async () => {
    role = "admin";
    setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Delete site" }));
    const dialog = screen.getByRole("dialog", { name: "Delete site1?" });
    const del = within(dialog).getByRole("button", { name: "Delete" });
    expect(del).toBeDisabled();
    await user.type(within(dialog).getByLabelText(/to confirm/), "site1");
    expect(del).toBeEnabled();
  });
});
