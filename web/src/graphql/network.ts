// The network the dashboard shows. The API is per network: every root
// field that reads or changes one takes `network` (default "default").
// Rather than each page passing it, the client (makeClient) rewrites every
// operation for the selected network: withNetwork adds a variable
// $patronusNetwork and passes it as the `network` argument of each root
// field that takes one (NETWORK_ARGS, checked against the schema by
// network.test.ts) unless the document gives it already. A change of
// network makes a new client (App), so nothing cached for one network is
// shown for another.
import { createContext, useContext } from "react";
import { Kind, type ArgumentNode, type DocumentNode, type OperationDefinitionNode, type VariableDefinitionNode } from "graphql";

export const DEFAULT_NETWORK = "default";
export const NETWORK_VAR = "patronusNetwork";

/** Root fields that take a network, by "Type.field", with the argument's name. */
export const NETWORK_ARGS: Record<string, string> = Object.fromEntries([
  ...["network:name", "sites", "sitesConnection", "site", "paths", "path", "steeringEvents", "slaClasses", "applications",
    "policySet", "joinTokens", "pins", "applicationTraffic", "bgp"].map((f) => `Query.${f}`),
  ...["revokeSite", "deleteSite", "resetSite", "createJoinToken", "revokeJoinToken", "putLink", "deleteLink", "addPrefix",
    "deletePrefix", "setPolicySet", "setPin", "deletePin"].map((f) => `Mutation.${f}`),
  ...["pathEvents", "siteEvents", "steeringEvents", "configRevisions"].map((f) => `Subscription.${f}`),
].map((k) => {
  const [field, arg] = k.split(":");
  return [field!, arg ?? "network"];
}));

const ROOT = { query: "Query", mutation: "Mutation", subscription: "Subscription" } as const;
const cache = new WeakMap<DocumentNode, DocumentNode>();

/** doc with the selected network passed to every root field that takes one (memoised per document). */
export function withNetwork(doc: DocumentNode, args: Record<string, string> = NETWORK_ARGS): DocumentNode {
  const hit = args === NETWORK_ARGS ? cache.get(doc) : undefined;
  if (hit) return hit;
  // A new document, not a copy: urql prints a document from its source
  // (loc) and keys it by a property it sets on it.
  const out: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: doc.definitions.map((d) => (d.kind === Kind.OPERATION_DEFINITION ? operationWithNetwork(d, args) : d)),
  };
  if (args === NETWORK_ARGS) cache.set(doc, out);
  return out;
}

function operationWithNetwork(op: OperationDefinitionNode, args: Record<string, string>): OperationDefinitionNode {
  let used = false;
  const selections = op.selectionSet.selections.map((s) => {
    const arg = s.kind === Kind.FIELD ? args[`${ROOT[op.operation]}.${s.name.value}`] : undefined;
    if (s.kind !== Kind.FIELD || !arg || s.arguments?.some((a) => a.name.value === arg)) return s;
    used = true;
    const a: ArgumentNode = {
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: arg },
      value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: NETWORK_VAR } },
    };
    return { ...s, arguments: [...(s.arguments ?? []), a] };
  });
  if (!used) return op;
  const v: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: NETWORK_VAR } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: "String" } } },
  };
  return { ...op, variableDefinitions: [...(op.variableDefinitions ?? []), v], selectionSet: { ...op.selectionSet, selections } };
}

const KEY = "patronus.network";

/** The network chosen in this tab (kept across a reload), else the default. */
export function storedNetwork(): string {
  try {
    return sessionStorage.getItem(KEY) || DEFAULT_NETWORK;
  } catch {
    return DEFAULT_NETWORK;
  }
}

export function storeNetwork(n: string) {
  try {
    sessionStorage.setItem(KEY, n);
  } catch {
    // storage refused (private mode): the choice lasts until a reload
  }
}

export const NetworkContext = createContext<{ network: string; setNetwork: (n: string) => void }>({
  network: DEFAULT_NETWORK,
  setNetwork: () => {},
});

export function useNetwork() {
  return useContext(NetworkContext);
}
