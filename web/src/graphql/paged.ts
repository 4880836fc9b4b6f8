// usePaged reads every page of a connection (first/after) with the client,
// for lists the pages show whole (all paths of the network). It refetches
// every `refreshMs` so sampled values (latency, jitter, loss) stay fresh;
// live state changes come from LiveProvider in between.
import { useCallback, useEffect, useState } from "react";
import { useClient, type CombinedError } from "urql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";

export interface Page<N> {
  nodes: N[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export interface Paged<N> {
  nodes: N[] | null;
  /** More than maxItems: nodes holds the first maxItems or so. */
  truncated: boolean;
  error: CombinedError | null;
  refetch: () => void;
}

/** The server caps an operation's cost (fields × first): keep pages modest. */
export const PAGE = 200;

export function usePaged<R, V extends { first?: number | null; after?: string | null }, N>(
  query: TypedDocumentNode<R, V>,
  vars: Omit<V, "first" | "after">,
  pick: (r: R) => Page<N>,
  refreshMs = 30_000,
  maxItems = Infinity,
): Paged<N> {
  const client = useClient();
  const [nodes, setNodes] = useState<N[] | null>(null);
  const [error, setError] = useState<CombinedError | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(vars);
  const refetch = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let stop = false;
    (async () => {
      const all: N[] = [];
      let after: string | null = null;
      let more = false;
      for (;;) {
        const v = { ...JSON.parse(key), first: PAGE, after } as V;
        const r = await client.query(query, v, { requestPolicy: "network-only" }).toPromise();
        if (stop) return;
        if (r.error || !r.data) {
          setError(r.error ?? null);
          return;
        }
        const p = pick(r.data);
        all.push(...p.nodes);
        if (!p.pageInfo.hasNextPage || !p.pageInfo.endCursor) break;
        if (all.length >= maxItems) {
          more = true;
          break;
        }
        after = p.pageInfo.endCursor;
      }
      setError(null);
      setTruncated(more);
      setNodes(all);
    })();
    return () => {
      stop = true;
    };
    // pick is a selector of the result's shape, stable in practice.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, query, key, tick, maxItems]);

  useEffect(() => {
    if (!refreshMs) return;
    const t = setInterval(refetch, refreshMs);
    return () => clearInterval(t);
  }, [refreshMs, refetch]);

  return { nodes, error, truncated, refetch };
}
