import { CombinedError } from "urql";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { fieldErrors, inputPath, unshown } from "./fieldErrors";

const err = (message: string, extensions: Record<string, unknown>, path?: (string | number)[]) =>
  new CombinedError({ graphQLErrors: [new GraphQLError(message, { extensions, path })] });

describe("fieldErrors", () => {
  it("splits a policy set's problems by field path", () => {
    const fe = fieldErrors(
      err('sla_classes[0].max_latency: sla_classes[0].max_latency: 5m0s is not between 0 (no limit) and 1m0s; policies[0].sla_class: no SLA class "nope"', {
        code: "INVALID_ARGUMENT",
        field: "sla_classes[0].max_latency",
      }),
    );
    expect(fe.fields).toEqual({ "sla_classes[0].max_latency": "5m0s is not between 0 (no limit) and 1m0s", "policies[0].sla_class": 'no SLA class "nope"' });
    expect(fe.general).toBe("");
  });

  it("names a value the schema's scalars refused by its path in the input", () => {
    const fe = fieldErrors(err('"soon" is not a duration such as "150ms"', { code: "INVALID_ARGUMENT", field: "maxLatency" }, ["setPolicySet", "policySet", "slaClasses", 0, "maxLatency"]));
    expect(fe.fields).toEqual({ "sla_classes[0].max_latency": '"soon" is not a duration such as "150ms"' });
    expect(fieldErrors(err('ttl: "forever" is not a duration', { code: "INVALID_ARGUMENT", field: "ttl" }, ["createJoinToken", "ttl"])).fields).toEqual({ ttl: '"forever" is not a duration' });
    expect(inputPath(["input", "sourceCidrs", 2])).toBe("input.source_cidrs[2]");
  });

  it("keeps other errors general", () => {
    const fe = fieldErrors(err("network default is at revision 8, not 7", { code: "STALE" }));
    expect(fe).toEqual({ fields: {}, general: "network default is at revision 8, not 7", code: "STALE" });
    expect(unshown(fieldErrors(err("name: taken", { code: "INVALID_ARGUMENT", field: "name" })), new Set(["site"]))).toEqual(["name: taken"]);
  });
});
