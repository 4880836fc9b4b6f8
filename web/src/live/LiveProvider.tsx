// LiveProvider keeps the network's live events for every page: one
// subscription each to pathEvents (state changes), siteEvents and
// steeringEvents, opened once after sign-in. Pages merge them over their
// query results with useLivePath / useLiveSite, so a cut link turns red
// everywhere without a reload.
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { useSubscription } from "urql";
import { graphql } from "../gql";
import type { PathEvent, SiteEvent, SteeringEventLive } from "../gql/graphql";
import { pathKey } from "./paths";

export const LivePathEvents = graphql(`
  subscription LivePathEvents {
    pathEvents {
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
  subscription LiveSiteEvents {
    siteEvents {
      site
      online
      at
    }
  }
`);

export const LiveSteeringEvents = graphql(`
  subscription LiveSteeringEvents {
    steeringEvents {
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
  /** Whether the subscriptions are delivering (false after an error). */
  connected: boolean;
}

const MAX_STEERING = 500;

const empty: Live = { paths: new Map(), sites: new Map(), steering: [], connected: false };
const LiveContext = createContext<Live>(empty);

export function LiveProvider({ children }: { children: ReactNode }) {
  const [paths, setPaths] = useState<Map<string, LivePath>>(() => new Map());
  const [sites, setSites] = useState<Map<string, LiveSite>>(() => new Map());
  const [steering, setSteering] = useState<LiveSteering[]>([]);

  const [p] = useSubscription({ query: LivePathEvents }, (_: unknown, r) => {
    const ev = r.pathEvents;
    setPaths((m) => {
      const k = pathKey(ev.pathId);
      const old = m.get(k);
      if (old && old.at > ev.at) return m;
      return new Map(m).set(k, ev);
    });
    return null;
  });
  const [s] = useSubscription({ query: LiveSiteEvents }, (_: unknown, r) => {
    const ev = r.siteEvents;
    setSites((m) => new Map(m).set(ev.site, ev));
    return null;
  });
  const [st] = useSubscription({ query: LiveSteeringEvents }, (_: unknown, r) => {
    setSteering((l) => [r.steeringEvents, ...l].slice(0, MAX_STEERING));
    return null;
  });
  const connected = !p.error && !s.error && !st.error;
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
