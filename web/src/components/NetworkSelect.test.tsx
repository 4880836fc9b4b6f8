import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { NetworkContext } from "../graphql/network";
import { renderPage } from "../test/renderPage";
import { testClient } from "../test/testClient";
import { NetworkSelect } from "./NetworkSelect";

function setup(networks: string[], network = "default") {
  const setNetwork = vi.fn();
  const t = testClient({ NetworkList: () => ({ networks: networks.map((name) => ({ name })) }) });
  renderPage(
    t,
    <NetworkContext.Provider value={{ network, setNetwork }}>
      <NetworkSelect />
    </NetworkContext.Provider>,
  );
  return { t, setNetwork };
}

describe("NetworkSelect", () => {
  it("lets the user choose among the networks", async () => {
    const { setNetwork } = setup(["default", "lab"]);
    const select = await screen.findByRole("combobox", { name: "Network" });
    expect(select).toHaveValue("default");
    await userEvent.selectOptions(select, "lab");
    expect(setNetwork).toHaveBeenCalledWith("lab");
  });

  it("is not shown when there is only the network in view", async () => {
    const { t } = setup(["default"]);
    await waitFor(() => expect(t.calls.some((c) => c.name === "NetworkList")).toBe(true));
    expect(screen.queryByRole("combobox")).toBeNull();
  });
});
