// LiveProvider keeps the network's live events for every page: one
// subscription each to pathEvents (state changes), siteEvents and
// steeringEvents, opened once after sign-in. Pages merge them over their
// query results with useLivePath / useLiveSite, so a cut link turns red
// everywhere without a reload.
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { Client as WSClient } from "graphql-ws";
import { useSubscription } from "urql";
import { graphql } from "../gql";
import type { PathEvent, SiteEvent, SteeringEventLive } from "../gql/graphql";
import { pathKey } from "./paths";
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

const empty: Live = { paths: new Map(), sites: new Map(), steering: [], connected: false };
const LiveContext = createContext<Live>(empty);

/**
 * Path events are applied at once when they come one by one, and at most
 * once per PATH_FLUSH_MS when they come faster (a fleet's paths: tens a
 * second), so that a page drawing thousands of paths renders a batch, not
 * every event (docs/BENCHMARKS.md, "Web dashboard").
 */
export const PATH_FLUSH_MS = 200;

/** usePathEvents keeps the newest event per path, throttled as PATH_FLUSH_MS says. */
function usePathEvents() {
  const [paths, setPaths] = useState<Map<string, LivePath>>(() => new Map());
  const pending = useRef(new Map<string, LivePath>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const apply = (batch: Iterable<[string, LivePath]>) =>
    setPaths((m) => {
      let next: Map<string, LivePath> | null = null;
      for (const [k, ev] of batch) {
        const old = (next ?? m).get(k);
        if (old && old.at > ev.at) continue;
        next ??= new Map(m);
        next.set(k, ev);
      }
      return next ?? m;
    });
  const flush = () => {
    if (pending.current.size === 0) {
      timer.current = null;
      return;
    }
    const batch = [...pending.current];
    pending.current.clear();
    apply(batch);
    timer.current = setTimeout(flush, PATH_FLUSH_MS);
  };
  const add = (ev: LivePath) => {
    const k = pathKey(ev.pathId);
    if (timer.current) {
      const old = pending.current.get(k);
      if (!old || old.at <= ev.at) pending.current.set(k, ev);
      return;
    }
    apply([[k, ev]]);
    timer.current = setTimeout(flush, PATH_FLUSH_MS);
  };
  return { paths, add };
}

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
  const { paths, add } = usePathEvents();
  const [sites, setSites] = useState<Map<string, LiveSite>>(() => new Map());
  const [steering, setSteering] = useState<LiveSteering[]>([]);

  const [p] = useSubscription({ query: LivePathEvents, variables }, (_: unknown, r) => {
    add(r.pathEvents);
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
