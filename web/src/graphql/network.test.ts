import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { buildSchema, parse, print, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { NETWORK_ARGS, NETWORK_VAR, withNetwork } from "./network";

const schema = buildSchema(readFileSync(resolve(__dirname, "../../../controller/api/graph/schema.graphqls"), "utf8"));

describe("withNetwork", () => {
  it("knows every root field of the schema that takes a network", () => {
    const want: Record<string, string> = { "Query.network": "name" };
    for (const t of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      for (const f of Object.values(t.getFields())) if (f.args.some((a) => a.name === "network")) want[`${t.name}.${f.name}`] = "network";
    }
    expect(NETWORK_ARGS).toEqual(want);
  });

  it("passes the network to every root field that takes one, and the result is valid", () => {
    const doc = parse(`query Q($n: String!) { network { name } sites { name } site(name: $n) { name } networks { name } }`);
    const out = withNetwork(doc);
    expect(print(out)).toContain(`query Q($n: String!, $${NETWORK_VAR}: String!)`);
    expect(print(out)).toContain(`network(name: $${NETWORK_VAR})`);
    expect(print(out)).toContain(`sites(network: $${NETWORK_VAR})`);
    expect(print(out)).toContain(`site(name: $n, network: $${NETWORK_VAR})`);
    expect(print(out)).toContain("networks {");
    expect(validate(schema, out)).toEqual([]);
    expect(withNetwork(doc)).toBe(out); // memoised
  });

  it("leaves a document alone when it names the network or reads nothing of one", () => {
    for (const src of [`query { sites(network: "lab") { name } }`, `query { networks { name } }`, `subscription { alertNotices { kind } }`]) {
      const doc = parse(src);
      expect(print(withNetwork(doc))).toBe(print(doc));
    }
    const sub = withNetwork(parse(`subscription S { pathEvents(site: "a") { pathId } }`));
    expect(validate(schema, sub)).toEqual([]);
    expect(print(sub)).toContain(`pathEvents(site: "a", network: $${NETWORK_VAR})`);
  });
});
