// PathStore keeps the newest live event of each path, outside React, so
// that a component can subscribe to one path (usePathEvent) and re-render
// only when that path changes: a topology of 2,000 edges re-renders the
// edges a batch of events changed, not all of them (docs/BENCHMARKS.md,
// "The topology with 201 sites and 2,000 paths").
//
// Events are applied at once when they come one by one, and at most once
// per flushMs when they come faster (a fleet's paths: tens a second), so
// that React renders a batch, not every event. Not safe for concurrent
// use; JavaScript has one thread.
import { pathKey } from "./paths";

/** The part of a path event the store needs: its path and when it was measured. */
export interface PathEventLike {
  pathId: string;
  at: string;
}

type Listener = () => void;

export class PathStore<E extends PathEventLike> {
  private events = new Map<string, E>();
  private pending = new Map<string, E>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private byKey = new Map<string, Set<Listener>>();
  private all = new Set<Listener>();
  /** The snapshot of every path for subscribeAll's readers; null: rebuilt on demand. */
  private snap: ReadonlyMap<string, E> | null = null;

  constructor(private readonly flushMs: number) {}

  /** add takes one event: applied now when none came within flushMs, else with the next batch. */
  add(ev: E) {
    const k = pathKey(ev.pathId);
    if (this.timer) {
      const old = this.pending.get(k);
      if (!old || old.at <= ev.at) this.pending.set(k, ev);
      return;
    }
    this.apply([[k, ev]]);
    this.timer = setTimeout(this.flush, this.flushMs);
  }

  /** The newest event of the path with this pathKey, or undefined. */
  get(key: string): E | undefined {
    return this.events.get(key);
  }

  /** Calls l after every batch that changes the path with this pathKey; returns the unsubscribe. */
  subscribe(key: string, l: Listener): () => void {
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0) this.byKey.delete(key);
    };
  }

  /** Calls l after every batch that changes any path; returns the unsubscribe. */
  subscribeAll = (l: Listener): (() => void) => {
    this.all.add(l);
    return () => void this.all.delete(l);
  };

  /** Every path's newest event; the same object until a batch changes one. */
  snapshot = (): ReadonlyMap<string, E> => {
    this.snap ??= new Map(this.events);
    return this.snap;
  };

  /** Stops the pending batch (the provider unmounts or the network changes). */
  close() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }

  private flush = () => {
    if (this.pending.size === 0) {
      this.timer = null;
      return;
    }
    const batch = [...this.pending];
    this.pending.clear();
    this.apply(batch);
    this.timer = setTimeout(this.flush, this.flushMs);
  };

  private apply(batch: Iterable<[string, E]>) {
    const changed: string[] = [];
    for (const [k, ev] of batch) {
      const old = this.events.get(k);
      if (old && old.at > ev.at) continue;
      this.events.set(k, ev);
      changed.push(k);
    }
    if (changed.length === 0) return;
    this.snap = null;
    for (const k of changed) this.byKey.get(k)?.forEach((l) => l());
    this.all.forEach((l) => l());
  }
}
