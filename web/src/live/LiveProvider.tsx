// LiveProvider keeps the network's live events for every page: one
// subscription each to pathEvents (state changes), siteEvents and
// steeringEvents, opened once after sign-in. Pages merge them over their
// query results with useLivePath / useLiveSite, so a cut link turns red
// everywhere without a reload.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { Client as WSClient } from "graphql-ws";
import { useSubscription } from "urql";
import { graphql } from "../gql";
import type { PathEvent, SiteEvent, SteeringEventLive } from "../gql/graphql";
import { pathKey } from "./paths";

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

const empty: Live = { paths: new Map(), sites: new Map(), steering: [], connected: false };
const LiveContext = createContext<Live>(empty);

/** The network the dashboard shows: the API's default one. */
export const NETWORK = "default";

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
  const variables = { network: NETWORK };
  const [paths, setPaths] = useState<Map<string, LivePath>>(() => new Map());
  const [sites, setSites] = useState<Map<string, LiveSite>>(() => new Map());
  const [steering, setSteering] = useState<LiveSteering[]>([]);

  const [p] = useSubscription({ query: LivePathEvents, variables }, (_: unknown, r) => {
    const ev = r.pathEvents;
    setPaths((m) => {
      const k = pathKey(ev.pathId);
      const old = m.get(k);
      if (old && old.at > ev.at) return m;
      return new Map(m).set(k, ev);
    });
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
  const value = useMemo(() => ({ paths, sites, steering, connected }), [paths, sites, steering, connected]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
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
  const ev = live.paths.get(pathKey(p.id));
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
export function siteOnline(name: string, queried: boolean, queriedAt: string | null | undefined, live: Live): boolean {
  const ev = live.sites.get(name);
  if (!ev) return queried;
  if (queriedAt && Date.parse(queriedAt) > Date.parse(ev.at)) return queried;
  return ev.online;
}
