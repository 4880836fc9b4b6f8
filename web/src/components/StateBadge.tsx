import { stateWord } from "../live/paths";

/** The state word of a path (up, degraded, down), coloured. */
export function StateBadge({ state }: { state: string | null | undefined }) {
  const w = stateWord(state);
  return (
    <span className={`badge state-${w}`} data-state={w}>
      {w === "unknown" ? "no data" : w}
    </span>
  );
}

/** A site's online word, coloured. */
export function OnlineBadge({ online }: { online: boolean }) {
  return <span className={`badge ${online ? "state-up" : "state-down"}`}>{online ? "online" : "offline"}</span>;
}
