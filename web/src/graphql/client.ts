// The GraphQL client: urql over fetch for queries and mutations
// (/api/v2/graphql) and graphql-ws for subscriptions (/api/v2/graphql/ws),
// both authenticated by the session's access token.
//
// Pattern for pages (see docs/WEB.md):
//   const SitesQuery = graphql(`query Sites { sites { name online } }`);  // typed by codegen
//   const [{ data, error, fetching }] = useQuery({ query: SitesQuery });
//   useSubscription({ query: PathEventsSub }, (_prev, ev) => ev);        // live
// Documents are declared with graphql() from src/gql at the top of the file
// that uses them; `npm run codegen` regenerates src/gql from the schema.
import { Client, cacheExchange, fetchExchange, subscriptionExchange, mapExchange, makeOperation, CombinedError } from "urql";
import { createClient as createWSClient, type Client as WSClient } from "graphql-ws";
import type { DocumentNode } from "graphql";
import { session } from "../auth/session";
import { DEFAULT_NETWORK, NETWORK_VAR, withNetwork } from "./network";

export const GRAPHQL = "/api/v2/graphql";

function wsURL(): string {
  const u = new URL(GRAPHQL + "/ws", location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}

/** Whether err is the API refusing our credentials (expired or revoked). */
export function unauthenticated(err: CombinedError): boolean {
  if (err.response?.status === 401) return true;
  return err.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
}

/** The first error message of err, for an error box. */
export function errorText(err: CombinedError): string {
  return err.graphQLErrors[0]?.message ?? err.networkError?.message ?? err.message;
}

/** makeClient builds the client for one signed-in session, showing network (graphql/network.ts). */
export function makeClient(network = DEFAULT_NETWORK): { client: Client; ws: WSClient } {
  const ws = createWSClient({
    url: wsURL(),
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async (n) => new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** n, 10_000))),
    connectionParams: async () => {
      const tok = await session.token();
      return tok ? { authorization: `Bearer ${tok}` } : {};
    },
  });
  const client = new Client({
    url: GRAPHQL,
    requestPolicy: "cache-and-network",
    exchanges: [
      mapExchange({
        onOperation: (op) =>
          op.kind === "teardown"
            ? op
            : makeOperation(op.kind, { ...op, query: withNetwork(op.query as DocumentNode), variables: { ...op.variables, [NETWORK_VAR]: network } }, op.context),
        onError(err) {
          if (unauthenticated(err)) void session.rejected();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
    fetchOptions: () => ({ headers: { Accept: "application/graphql-response+json, application/json" } }),
    fetch: async (input, init) => {
      const tok = await session.token();
      const headers = new Headers(init?.headers);
      if (tok) headers.set("Authorization", `Bearer ${tok}`);
      return fetch(input, { ...init, headers });
    },
  });
  return { client, ws };
}
