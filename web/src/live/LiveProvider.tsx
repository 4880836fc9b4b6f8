// LiveProvider keeps the network's live events for every page: one
// subscription each to pathEvents (state changes), siteEvents and
// steeringEvents, opened once after sign-in. Pages merge them over their
// query results (withLive, siteOnline), so a cut link turns red everywhere
// without a reload. Path events are kept in a PathStore a component can
// subscribe to one path of (usePathEvent).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import type { Client as WSClient } from "graphql-ws";
import { useSubscription } from "urql";
import { graphql } from "../gql";
import type { PathEvent, SiteEvent, SteeringEventLive } from "../gql/graphql";
import { pathKey } from "./paths";
import { PathStore } from "./pathStore";
import { useNetwork } from "../graphql/network";

export const LivePathEvents = graphql(`
  subscription LivePathEvents($network: String!) {
    pathEvents(network: $network) {
      site
      pathId
      state
      stateChanged
      bfdState
      latencyMs
      jitterMs
      lossPct
      score
      suppressed
      activeFlows
      at
    }
  }
`);

export const LiveSiteEvents = graphql(`
  subscription LiveSiteEvents($network: String!) {
    siteEvents(network: $network) {
      site
      online
      at
    }
  }
`);

export const LiveSteeringEvents = graphql(`
  subscription LiveSteeringEvents($network: String!) {
    steeringEvents(network: $network) {
      site
      pathId
      kind
      reason
      policy
      flowsMoved
      from
      to
      at
    }
  }
`);

export type LivePath = Omit<PathEvent, "network" | "__typename">;
export type LiveSite = Omit<SiteEvent, "network" | "__typename">;
export type LiveSteering = Omit<SteeringEventLive, "network" | "__typename">;

export interface Live {
  paths: ReadonlyMap<string, LivePath>;
  sites: ReadonlyMap<string, LiveSite>;
  /** The newest first, at most MAX_STEERING. */
  steering: readonly LiveSteering[];
  /** Whether the WebSocket is connected (graphql-ws reconnects by itself). */
  connected: boolean;
}

const MAX_STEERING = 500;

/**
 * Path events are applied at once when they come one by one, and at most
 * once per PATH_FLUSH_MS when they come faster (a fleet's paths: tens a
 * second), so that a page drawing thousands of paths renders a batch, not
 * every event (docs/BENCHMARKS.md, "Web dashboard").
 */
export const PATH_FLUSH_MS = 200;

// One context per kind of event, so that a component reads only what it
// shows: the topology's edges each subscribe to their own path in the
// store, and its page to the sites, so a batch of path events re-renders
// the edges it changed and nothing else.
const PathStoreContext = createContext<PathStore<LivePath>>(new PathStore(PATH_FLUSH_MS));
const SitesContext = createContext<ReadonlyMap<string, LiveSite>>(new Map());
const SteeringContext = createContext<readonly LiveSteering[]>([]);
const ConnectedContext = createContext(false);

/** wsConnected follows the WebSocket's state; null ws (tests): connected while subscriptions work. */
function useWSConnected(ws: WSClient | null): boolean {
  const [up, setUp] = useState(false);
  useEffect(() => {
    if (!ws) return;
    const off = [ws.on("connected", () => setUp(true)), ws.on("closed", () => setUp(false))];
    return () => off.forEach((f) => f());
  }, [ws]);
  return ws ? up : true;
}

export function LiveProvider({ children, ws = null }: { children: ReactNode; ws?: WSClient | null }) {
  const { network } = useNetwork();
  const variables = { network };
  const [store] = useState(() => new PathStore<LivePath>(PATH_FLUSH_MS));
  useEffect(() => () => store.close(), [store]);
  const [sites, setSites] = useState<ReadonlyMap<string, LiveSite>>(() => new Map());
  const [steering, setSteering] = useState<readonly LiveSteering[]>([]);

  const [p] = useSubscription({ query: LivePathEvents, variables }, (_: unknown, r) => {
    store.add(r.pathEvents);
    return null;
  });
  const [s] = useSubscription({ query: LiveSiteEvents, variables }, (_: unknown, r) => {
    const ev = r.siteEvents;
    setSites((m) => new Map(m).set(ev.site, ev));
    return null;
  });
  const [st] = useSubscription({ query: LiveSteeringEvents, variables }, (_: unknown, r) => {
    setSteering((l) => [r.steeringEvents, ...l].slice(0, MAX_STEERING));
    return null;
  });
  const wsUp = useWSConnected(ws);
  const connected = wsUp && !p.error && !s.error && !st.error;
  return (
    <PathStoreContext.Provider value={store}>
      <SitesContext.Provider value={sites}>
        <SteeringContext.Provider value={steering}>
          <ConnectedContext.Provider value={connected}>{children}</ConnectedContext.Provider>
        </SteeringContext.Provider>
      </SitesContext.Provider>
    </PathStoreContext.Provider>
  );
}

/** Every kind of live event: the component re-renders on each batch of any path. */
export function useLive(): Live {
  const store = useContext(PathStoreContext);
  const paths = useSyncExternalStore(store.subscribeAll, store.snapshot);
  const sites = useContext(SitesContext);
  const steering = useContext(SteeringContext);
  const connected = useContext(ConnectedContext);
  return useMemo(() => ({ paths, sites, steering, connected }), [paths, sites, steering, connected]);
}

/** The newest site events, by site: not re-rendered by path events. */
export function useLiveSites(): ReadonlyMap<string, LiveSite> {
  return useContext(SitesContext);
}

/** Whether live updates are flowing. */
export function useLiveConnected(): boolean {
  return useContext(ConnectedContext);
}

/** The newest event of one path (by its id, either end's): re-rendered only when that path changes. */
export function usePathEvent(id: string): LivePath | undefined {
  const store = useContext(PathStoreContext);
  const key = pathKey(id);
  const subscribe = useCallback((l: () => void) => store.subscribe(key, l), [store, key]);
  return useSyncExternalStore(subscribe, () => store.get(key));
}

interface QueriedPath {
  id: string;
  state?: string | null;
  measuredAt?: string | null;
  latencyMs?: number | null;
  jitterMs?: number | null;
  lossPct?: number | null;
  bfdState?: string | null;
  score?: number | null;
  activeFlows?: number | null;
}

/**
 * withLive returns the path as queried, or with the live event's state and
 * quality when that is newer than the query's sample.
 */
export function withLive<P extends QueriedPath>(p: P, live: Live): P {
  return withPathEvent(p, live.paths.get(pathKey(p.id)));
}

/** withPathEvent is withLive given the path's newest event (usePathEvent). */
export function withPathEvent<P extends QueriedPath>(p: P, ev: LivePath | undefined): P {
  if (!ev || (p.measuredAt && Date.parse(p.measuredAt) > Date.parse(ev.at))) return p;
  return {
    ...p,
    state: ev.state,
    measuredAt: ev.at,
    latencyMs: ev.latencyMs ?? p.latencyMs,
    jitterMs: ev.jitterMs ?? p.jitterMs,
    lossPct: ev.lossPct ?? p.lossPct,
    bfdState: ev.bfdState ?? p.bfdState,
    score: ev.score,
    activeFlows: ev.activeFlows,
  };
}

/** siteOnline is whether the site is online, as the newest of the query and the site events says. */
export function siteOnline(
  name: string,
  queried: boolean,
  queriedAt: string | null | undefined,
  live: Pick<Live, "sites">,
): boolean {
  const ev = live.sites.get(name);
  if (!ev) return queried;
  if (queriedAt && Date.parse(queriedAt) > Date.parse(ev.at)) return queried;
  return ev.online;
}
