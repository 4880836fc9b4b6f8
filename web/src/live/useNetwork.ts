// The network's sites and paths, as the overview, topology and paths pages
// show them: queried whole (paged) and merged with live events.
import { useMemo } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { usePaged } from "../graphql/paged";
import { siteOnline, useLive, withLive } from "./LiveProvider";

export const NetworkPaths = graphql(`
  query NetworkPaths($first: Int, $after: String) {
    paths(first: $first, after: $after) {
      nodes {
        id
        siteA
        linkA
        siteB
        linkB
        state
        latencyMs
        jitterMs
        lossPct
        measuredAt
        bfdState
        score
        activeFlows
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const NetworkSites = graphql(`
  query NetworkSites {
    network {
      name
      topology
      revision
    }
    sites {
      name
      role
      state
      online
      lastSeen
      links {
        name
        colour
      }
    }
  }
`);

export function useNetworkPaths() {
  const live = useLive();
  const { nodes, error } = usePaged(NetworkPaths, {}, (r) => r.paths);
  const paths = useMemo(() => nodes?.map((p) => withLive(p, live)) ?? null, [nodes, live]);
  return { paths, error };
}

export function useNetworkSites() {
  const live = useLive();
  const [r] = useQuery({ query: NetworkSites });
  const sites = useMemo(
    () => r.data?.sites.map((s) => ({ ...s, online: siteOnline(s.name, s.online, s.lastSeen, live) })) ?? null,
    [r.data, live],
  );
  return { network: r.data?.network ?? null, sites, error: r.error ?? null };
}
