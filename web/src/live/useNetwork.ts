// The network's sites and paths, as the overview, topology and paths pages
// show them: queried whole (paged) and merged with live events.
import { useMemo } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { usePaged } from "../graphql/paged";
import { siteOnline, useLive, useLiveSites, withLive } from "./LiveProvider";

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

/** The network's paths merged with their live events: re-rendered on every batch of path events. */
export function useNetworkPaths() {
  const live = useLive();
  const { paths: queried, error } = useQueriedPaths();
  const paths = useMemo(() => queried?.map((p) => withLive(p, live)) ?? null, [queried, live]);
  return { paths, error };
}

/**
 * The network's paths as queried, without live events: for a page that
 * merges each path's events where it draws the path (usePathEvent), so
 * that a batch re-renders only the paths it changed.
 */
export function useQueriedPaths() {
  const { nodes, error } = usePaged(NetworkPaths, {}, (r) => r.paths);
  return { paths: nodes, error };
}

/** The network's sites, online as the newest of the query and the site events says; not re-rendered by path events. */
export function useNetworkSites() {
  const sitesLive = useLiveSites();
  const [r] = useQuery({ query: NetworkSites });
  const sites = useMemo(
    () => r.data?.sites.map((s) => ({ ...s, online: siteOnline(s.name, s.online, s.lastSeen, { sites: sitesLive }) })) ?? null,
    [r.data, sitesLive],
  );
  return { network: r.data?.network ?? null, sites, error: r.error ?? null };
}
