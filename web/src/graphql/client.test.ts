import { afterEach, describe, expect, it, vi } from "vitest";
import { graphql } from "../gql";
import { makeClient } from "./client";

vi.mock("../auth/session", () => ({ session: { token: async () => "tok", rejected: vi.fn() } }));

const Sites = graphql(`
  query ClientTestSites {
    sites {
      name
    }
  }
`);

describe("makeClient", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("asks every query for the selected network, with the session's token", async () => {
    const sent: { body: { query: string; variables: Record<string, unknown> }; auth: string | null }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init: RequestInit) => {
        sent.push({ body: JSON.parse(String(init.body)), auth: new Headers(init.headers).get("Authorization") });
        return new Response(JSON.stringify({ data: { sites: [{ name: "a" }] } }), { headers: { "Content-Type": "application/json" } });
      }),
    );
    const { client, ws } = makeClient("lab");
    const r = await client.query(Sites, {}).toPromise();
    void ws.dispose();
    expect(r.data?.sites[0]?.name).toBe("a");
    expect(sent[0]?.auth).toBe("Bearer tok");
    expect(sent[0]?.body.query).toMatch(/sites\(network: \$patronusNetwork\)/);
    expect(sent[0]?.body.variables).toEqual({ patronusNetwork: "lab" });
  });
});
