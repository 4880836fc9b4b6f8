import type { CombinedError } from "urql";
import { errorText } from "../graphql/client";

/** An error of a query or mutation, announced to screen readers. */
export function ErrorBox({ error, what }: { error: CombinedError | Error; what?: string }) {
  const msg = "graphQLErrors" in error ? errorText(error) : error.message;
  return (
    <div className="error" role="alert">
      {what ? `${what}: ` : ""}
      {msg}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}
