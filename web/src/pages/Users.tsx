import { useState, type FormEvent } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { graphql } from "../gql";
import type { Role, UsersAndKeysQuery } from "../gql/graphql";
import { useMe } from "../auth/useSession";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Field, SecretOnce } from "../components/Form";
import { ErrorBox, Loading } from "../components/Status";
import { fieldErrors, unshown } from "../components/fieldErrors";
import { when } from "../components/format";
import { localToISO } from "../components/timeRange";

export const UsersAndKeys = graphql(`
  query UsersAndKeys {
    users(first: 200) {
      nodes {
        name
        role
        source
        mfaEnabled
        createdAt
        disabledAt
        lastLogin
      }
      totalCount
    }
    apiKeys(first: 200) {
      nodes {
        id
        name
        role
        owner
        createdAt
        expiresAt
        lastUsed
        revokedAt
      }
      totalCount
    }
  }
`);

export const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      name
      role
    }
  }
`);

export const UpdateUser = graphql(`
  mutation UpdateUser($name: String!, $input: UpdateUserInput!) {
    updateUser(name: $name, input: $input) {
      name
      role
      disabledAt
    }
  }
`);

export const DeleteUser = graphql(`
  mutation DeleteUser($name: String!) {
    deleteUser(name: $name) {
      deletedNodeId
    }
  }
`);

export const CreateAPIKey = graphql(`
  mutation CreateAPIKey($name: String!, $role: Role!, $expiresAt: Time) {
    createAPIKey(name: $name, role: $role, expiresAt: $expiresAt) {
      secret
      apiKey {
        id
        name
        role
      }
    }
  }
`);

export const RevokeAPIKey = graphql(`
  mutation RevokeAPIKey($id: String!) {
    revokeAPIKey(id: $id) {
      deletedNodeId
    }
  }
`);

const ROLES: Role[] = ["ADMIN", "OPERATOR", "VIEWER"];
type User = UsersAndKeysQuery["users"]["nodes"][number];
type Key = UsersAndKeysQuery["apiKeys"]["nodes"][number];

function RoleSelect({ value, onChange, label = "Role" }: { value: Role; onChange: (r: Role) => void; label?: string }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as Role)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r.toLowerCase()}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Users, their roles, and API keys: for admins. */
export function Users() {
  const me = useMe();
  if (me.role !== "admin") {
    return (
      <>
        <h1>Users and API keys</h1>
        <p className="muted">Users and API keys are managed by admins.</p>
      </>
    );
  }
  return <UsersAdmin />;
}

function UsersAdmin() {
  const [r, refetch] = useQuery({ query: UsersAndKeys });
  const reload = () => refetch({ requestPolicy: "network-only" });
  if (r.error) return <ErrorBox error={r.error} what="Users" />;
  if (!r.data) return <Loading what="users" />;
  return (
    <>
      <h1>Users and API keys</h1>
      <h2>Users</h2>
      <NewUser onDone={reload} />
      <UserTable users={r.data.users.nodes} onDone={reload} />
      <h2>API keys</h2>
      <NewKey onDone={reload} />
      <KeyTable keys={r.data.apiKeys.nodes} onDone={reload} />
    </>
  );
}

function Problems({ lines }: { lines: string[] }) {
  return (
    <>
      {lines.map((t) => (
        <div key={t} className="error" role="alert">
          {t}
        </div>
      ))}
    </>
  );
}

function NewUser({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [password, setPassword] = useState("");
  const [m, create] = useMutation(CreateUser);
  const [made, setMade] = useState("");
  // The last attempt's error, until the form is edited.
  const [failed, setFailed] = useState<CombinedError | null>(null);
  const fe = fieldErrors(failed);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMade("");
    const res = await create({ input: { name: name.trim(), role, password } });
    setFailed(res.error ?? null);
    if (res.data) {
      setMade(res.data.createUser.name);
      setName("");
      setPassword("");
      onDone();
    }
  };
  return (
    <form className="form-row" onSubmit={(e) => void submit(e)} onChange={() => setFailed(null)} aria-label="Create a user" noValidate>
      <Field label="User name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" error={fe.fields.name} />
      <RoleSelect value={role} onChange={setRole} />
      <Field label="Initial password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" error={fe.fields.password} />
      <button type="submit" className="primary" disabled={m.fetching || !name.trim()}>
        Create user
      </button>
      <Problems lines={unshown(fe, new Set(["name", "password"]))} />
      {made && (
        <p role="status" className="notice">
          Created {made}.
        </p>
      )}
    </form>
  );
}

function UserTable({ users, onDone }: { users: User[]; onDone: () => void }) {
  const me = useMe();
  const [u, update] = useMutation(UpdateUser);
  const [d, del] = useMutation(DeleteUser);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [pw, setPw] = useState<{ user: string; value: string } | null>(null);
  const run = async (p: Promise<{ error?: unknown }>) => {
    const res = await p;
    if (!res.error) onDone();
    return res;
  };
  const pwErr = fieldErrors(u.error).fields.password;
  return (
    <>
      {u.error && !pwErr && <ErrorBox error={u.error} what="Changing the user" />}
      {d.error && <ErrorBox error={d.error} what="Deleting the user" />}
      <table className="grid" aria-label="Users">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Source</th>
            <th scope="col">MFA</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((x) => (
            <tr key={x.name} data-user={x.name}>
              <th scope="row">{x.name}</th>
              <td>
                <RoleSelect label={`Role of ${x.name}`} value={x.role} onChange={(role) => void run(update({ name: x.name, input: { role } }))} />
              </td>
              <td>{x.source}</td>
              <td>{x.mfaEnabled ? "on" : "off"}</td>
              <td>{when(x.lastLogin)}</td>
              <td>{x.disabledAt ? `disabled ${when(x.disabledAt)}` : "active"}</td>
              <td>
                <div className="actions">
                  {x.source === "local" && (
                    <button type="button" onClick={() => setPw({ user: x.name, value: "" })} aria-label={`Set password for ${x.name}`}>
                      Set password
                    </button>
                  )}
                  {x.name !== me.subject && (
                    <button type="button" onClick={() => void run(update({ name: x.name, input: { disabled: !x.disabledAt } }))} aria-label={`${x.disabledAt ? "Enable" : "Disable"} ${x.name}`}>
                      {x.disabledAt ? "Enable" : "Disable"}
                    </button>
                  )}
                  {x.name !== me.subject && (
                    <button type="button" className="danger" onClick={() => setDeleting(x)} aria-label={`Delete ${x.name}`}>
                      Delete
                    </button>
                  )}
                </div>
                {pw?.user === x.name && (
                  <form
                    className="form-row"
                    aria-label={`New password for ${x.name}`}
                    onSubmit={(e) => {
                      e.preventDefault();
                      void run(update({ name: x.name, input: { password: pw.value } })).then((res) => !res.error && setPw(null));
                    }}
                  >
                    <Field label="New password" type="password" autoComplete="new-password" value={pw.value} onChange={(e) => setPw({ ...pw, value: e.target.value })} error={pwErr} />
                    <button type="submit" className="primary" disabled={!pw.value}>
                      Save password
                    </button>
                    <button type="button" onClick={() => setPw(null)}>
                      Cancel
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting && (
        <ConfirmDialog
          title={`Delete the user ${deleting.name}?`}
          action="Delete user"
          typeToConfirm={deleting.name}
          busy={d.fetching}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            const res = await del({ name: deleting.name });
            setDeleting(null);
            if (!res.error) onDone();
          }}
        >
          <p>Their sessions end and they can no longer sign in. Their API keys stop working.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function NewKey({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [expires, setExpires] = useState("");
  const [m, create] = useMutation(CreateAPIKey);
  const [made, setMade] = useState<{ secret: string; name: string } | null>(null);
  const [failed, setFailed] = useState<CombinedError | null>(null);
  const fe = fieldErrors(failed);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMade(null);
    const res = await create({ name: name.trim(), role, expiresAt: localToISO(expires) });
    setFailed(res.error ?? null);
    if (res.data) {
      setMade({ secret: res.data.createAPIKey.secret, name: res.data.createAPIKey.apiKey.name });
      setName("");
      onDone();
    }
  };
  return (
    <>
      <form className="form-row" onSubmit={(e) => void submit(e)} onChange={() => setFailed(null)} aria-label="Create an API key" noValidate>
        <Field label="Key name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" error={fe.fields.name} />
        <RoleSelect value={role} onChange={setRole} label="Key role" />
        <Field label="Expires (optional)" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} error={fe.fields.expiresAt ?? fe.fields.expires_at} />
        <button type="submit" className="primary" disabled={m.fetching || !name.trim()}>
          Create API key
        </button>
      </form>
      <Problems lines={unshown(fe, new Set(["name", "expiresAt", "expires_at"]))} />
      {made && (
        <SecretOnce label="API key" value={made.secret}>
          <p className="small">
            Key <strong>{made.name}</strong>: send it as <code>Authorization: Bearer …</code>.
          </p>
        </SecretOnce>
      )}
    </>
  );
}

function KeyTable({ keys, onDone }: { keys: Key[]; onDone: () => void }) {
  const [m, revoke] = useMutation(RevokeAPIKey);
  const [revoking, setRevoking] = useState<Key | null>(null);
  return (
    <>
      {m.error && <ErrorBox error={m.error} what="Revoking the key" />}
      <table className="grid" aria-label="API keys">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">ID</th>
            <th scope="col">Role</th>
            <th scope="col">Owner</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <th scope="row">{k.name}</th>
              <td>
                <code>{k.id}</code>
              </td>
              <td>{k.role.toLowerCase()}</td>
              <td>{k.owner}</td>
              <td>{k.expiresAt ? when(k.expiresAt) : "never"}</td>
              <td>{when(k.lastUsed)}</td>
              <td>
                {k.revokedAt ? (
                  `revoked ${when(k.revokedAt)}`
                ) : (
                  <button type="button" className="danger" onClick={() => setRevoking(k)} aria-label={`Revoke API key ${k.name}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revoking && (
        <ConfirmDialog
          title={`Revoke the API key ${revoking.name}?`}
          action="Revoke key"
          busy={m.fetching}
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            const res = await revoke({ id: revoking.id });
            setRevoking(null);
            if (!res.error) onDone();
          }}
        >
          <p>Scripts using it are refused from now on.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
