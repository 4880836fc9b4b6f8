import { useSyncExternalStore } from "react";
import { session, type Me, type SessionState } from "./session";

/** The session's state, re-rendering on sign-in and sign-out. */
export function useSession(): SessionState {
  return useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.current,
  );
}

/** The signed-in user; only under the signed-in part of the app. */
export function useMe(): Me {
  const s = useSession();
  if (s.kind !== "signedIn") throw new Error("useMe outside a signed-in session");
  return s.me;
}

/** Whether the signed-in user may change the network (operator or admin). */
export function useCanOperate(): boolean {
  const me = useMe();
  return me.role === "admin" || me.role === "operator";
}
