// Reading steering events (edge/steer): a "decision" moves a class of flows
// to other paths and says why. The edge's reasons (edge/steer/decide.go):
//   "path down", "path suppressed for flapping …", "path degraded (score …) for …"
//     the path the flows were on went bad: a failover;
//   "sla NAME violated for …: …", "no path meets sla …"
//     also an SLA violation;
//   "initial choice", "joins the load balance: …", "path taken by the first slot"
//     not a failover.

export interface SteeringLike {
  kind: string;
  reason: string;
}

export function isSLAViolation(e: SteeringLike): boolean {
  return e.kind === "decision" && (/^sla \S+ violated/.test(e.reason) || e.reason.startsWith("no path meets sla"));
}

export function isFailover(e: SteeringLike): boolean {
  if (e.kind !== "decision") return false;
  return isSLAViolation(e) || e.reason === "path down" || /^path (suppressed|degraded|up|down)\b/.test(e.reason);
}
