import { useState, type FormEvent } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { graphql } from "../gql";
import type { JoinTokensQuery } from "../gql/graphql";
import { useCanOperate } from "../auth/useSession";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { CopyButton, Field, SecretOnce } from "../components/Form";
import { ErrorBox, Loading } from "../components/Status";
import { fieldErrors, unshown } from "../components/fieldErrors";
import { when } from "../components/format";

export const JoinTokens = graphql(`
  query JoinTokens($first: Int!, $after: String) {
    joinTokens(first: $first, after: $after) {
      nodes {
        id
        site
        createdAt
        expiresAt
        usedAt
        revokedAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`);

export const CreateJoinToken = graphql(`
  mutation CreateJoinToken($site: String!, $ttl: Duration) {
    createJoinToken(site: $site, ttl: $ttl) {
      secret
      token {
        id
        site
        expiresAt
      }
    }
  }
`);

export const RevokeJoinToken = graphql(`
  mutation RevokeJoinToken($id: String!) {
    revokeJoinToken(id: $id) {
      id
      revokedAt
    }
  }
`);

const PAGE = 50;

/**
 * The controller's address as an edge should dial it: this page's host
 * and port (the HTTPS port serves the dashboard, the API and the edges).
 */
export function controllerAddress(loc: { hostname: string; port: string; protocol: string } = location): string {
  const port = loc.port || (loc.protocol === "http:" ? "80" : "443");
  const host = loc.hostname.includes(":") ? `[${loc.hostname}]` : loc.hostname;
  return `${host}:${port}`;
}

/** The command that enrols a site's edge with this controller. */
export function edgeCommand(addr: string, secret: string): string {
  return `patronus edge --controller ${addr} --join-token ${secret}`;
}

type Token = JoinTokensQuery["joinTokens"]["nodes"][number];

function tokenState(t: Token, now = Date.now()): string {
  if (t.revokedAt) return "revoked";
  if (t.usedAt) return "used";
  if (Date.parse(t.expiresAt) <= now) return "expired";
  return "outstanding";
}

export function Enrol() {
  const canOperate = useCanOperate();
  const [after, setAfter] = useState<string[]>([]);
  const [r, refetch] = useQuery({ query: JoinTokens, variables: { first: PAGE, after: after.at(-1) ?? null } });
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [rv, revoke] = useMutation(RevokeJoinToken);

  return (
    <>
      <h1>Enrol a site</h1>
      {canOperate ? (
        <CreateToken onCreated={() => refetch({ requestPolicy: "network-only" })} />
      ) : (
        <p className="muted">Creating join tokens needs the operator or admin role.</p>
      )}
      <h2>Join tokens</h2>
      {rv.error && <ErrorBox error={rv.error} what="Revoking the token" />}
      {r.error && <ErrorBox error={r.error} what="Join tokens" />}
      {!r.data && !r.error && <Loading what="join tokens" />}
      {r.data && (
        <>
          <p className="muted">{r.data.joinTokens.totalCount} tokens; the secrets are never shown again.</p>
          <table className="grid" aria-label="Join tokens">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Site</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                {canOperate && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {r.data.joinTokens.nodes.map((t) => {
                const st = tokenState(t);
                return (
                  <tr key={t.id} data-token-id={t.id}>
                    <th scope="row">
                      <code>{t.id}</code>
                    </th>
                    <td>{t.site}</td>
                    <td>{st === "used" ? `used ${when(t.usedAt)}` : st}</td>
                    <td>{when(t.createdAt)}</td>
                    <td>{when(t.expiresAt)}</td>
                    {canOperate && (
                      <td>
                        {st === "outstanding" && (
                          <button type="button" className="danger" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.id} for ${t.site}`}>
                            Revoke
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="actions">
            {after.length > 0 && (
              <button type="button" onClick={() => setAfter(after.slice(0, -1))}>
                Previous page
              </button>
            )}
            {r.data.joinTokens.pageInfo.hasNextPage && r.data.joinTokens.pageInfo.endCursor && (
              <button type="button" onClick={() => setAfter([...after, r.data!.joinTokens.pageInfo.endCursor!])}>
                Next page
              </button>
            )}
          </div>
        </>
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke the join token for ${revoking.site}?`}
          action="Revoke token"
          busy={rv.fetching}
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            const res = await revoke({ id: revoking.id });
            setRevoking(null);
            if (!res.error) refetch({ requestPolicy: "network-only" });
          }}
        >
          <p>
            Token <code>{revoking.id}</code> will no longer enrol an edge. A site already enrolled with it is not affected.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CreateToken({ onCreated }: { onCreated: () => void }) {
  const [site, setSite] = useState("");
  const [ttl, setTTL] = useState("24h");
  const [m, create] = useMutation(CreateJoinToken);
  const [made, setMade] = useState<{ secret: string; site: string; expiresAt: string } | null>(null);
  // The last attempt's error, until the form is edited.
  const [failed, setFailed] = useState<CombinedError | null>(null);
  const fe = fieldErrors(failed);
  const rest = unshown(fe, new Set(["site", "ttl"]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMade(null);
    const res = await create({ site: site.trim(), ttl: ttl.trim() || null });
    setFailed(res.error ?? null);
    if (res.data) {
      const p = res.data.createJoinToken;
      setMade({ secret: p.secret, site: p.token.site, expiresAt: p.token.expiresAt });
      onCreated();
    }
  };
  const cmd = made ? edgeCommand(controllerAddress(), made.secret) : "";
  return (
    <section aria-label="Create a join token">
      <form onSubmit={(e) => void submit(e)} className="form-row" noValidate>
        <Field label="Site name" value={site} onChange={(e) => {
            setSite(e.target.value);
            setFailed(null);
          }} required autoComplete="off" error={fe.fields.site} hint="1–32 of a-z, 0-9, - and _" />
        <Field label="Valid for" value={ttl} onChange={(e) => {
            setTTL(e.target.value);
            setFailed(null);
          }} error={fe.fields.ttl} hint="1m to 720h; empty: 24h" autoComplete="off" />
        <button type="submit" className="primary" disabled={m.fetching || !site.trim()}>
          Create join token
        </button>
      </form>
      {rest.map((t) => (
        <div key={t} className="error" role="alert">
          {t}
        </div>
      ))}
      {made && (
        <SecretOnce label="Join token" value={made.secret}>
          <p>
            Token for <strong>{made.site}</strong>, valid until {when(made.expiresAt)}. On the site&apos;s machine, run:
          </p>
          <div className="copyline">
            <code className="wrap" data-testid="edge-command">
              {cmd}
            </code>
            <CopyButton text={cmd} what="command" />
          </div>
          <p className="muted small">
            The address is the one this page was loaded from; if the edges reach the controller by another name, use that (it must be a
            name in the controller&apos;s certificate). The token may also be given in <code>PATRONUS_JOIN_TOKEN</code> to keep it out of the
            process list.
          </p>
        </SecretOnce>
      )}
    </section>
  );
}
