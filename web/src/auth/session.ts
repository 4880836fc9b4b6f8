// The sign-in session: the controller's /api/v1/auth endpoints (docs/API.md).
//
// The access token (15 min) lives in memory only; the refresh token (single
// use, 30 days) in sessionStorage, so that a reload of this tab stays signed
// in and a closed tab forgets it. The access token is refreshed a minute
// before it expires, and once more when the API answers 401; when refreshing
// fails the session ends and the sign-in page says why.

export const AUTH = "/api/v1/auth";
const REFRESH_KEY = "patronus.refresh";
/** Refresh this long before the access token expires. */
const EARLY_MS = 60_000;

export type Role = "admin" | "operator" | "viewer";

export interface Me {
  subject: string;
  role: Role;
  method: string;
  session_id?: string;
  source?: string;
  mfa_enabled?: boolean;
  last_login?: string;
}

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** An error of the auth API: its code ("unauthenticated", "mfa_required", …) and field. */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

export type SessionState =
  | { kind: "loading" }
  | { kind: "signedOut"; reason?: string }
  | { kind: "signedIn"; me: Me };

type Listener = (s: SessionState) => void;

async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (init.body) headers["Content-Type"] = "application/json";
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  const res = await fetch(AUTH + path, { ...init, headers, credentials: "same-origin" });
  if (res.status === 204) return undefined as T;
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = body?.error ?? {};
    throw new AuthError(e.message ?? `${res.status} ${res.statusText}`, e.code ?? "http", e.field, res.status);
  }
  return body as T;
}

/** Session is the one sign-in of this tab; `session` below is the instance the app uses. */
export class Session {
  private access: string | null = null;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<string | null> | null = null;
  private state: SessionState = { kind: "loading" };
  private listeners = new Set<Listener>();

  constructor(private readonly store: Storage = sessionStorage) {}

  get current(): SessionState {
    return this.state;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(s: SessionState) {
    this.state = s;
    this.listeners.forEach((fn) => fn(s));
  }

  /** Resumes a session: an OIDC code in the URL fragment, else a stored refresh token. */
  async restore(): Promise<void> {
    const code = new URLSearchParams(location.hash.slice(1)).get("code");
    if (code) {
      history.replaceState(null, "", location.pathname + location.search);
      try {
        await this.adopt(await call<Tokens>("/oidc/exchange", { method: "POST", body: JSON.stringify({ code }) }));
      } catch (e) {
        this.end(`Single sign-on failed: ${(e as Error).message}`);
      }
      return;
    }
    if (!this.store.getItem(REFRESH_KEY)) return this.set({ kind: "signedOut" });
    const tok = await this.refresh();
    if (tok) await this.loadMe(tok);
  }

  /** Signs in with a password (and a TOTP or recovery code when MFA is on). Throws AuthError. */
  async login(username: string, password: string, otp?: string): Promise<void> {
    const body: Record<string, string> = { username, password };
    if (otp) body.otp = otp;
    await this.adopt(await call<Tokens>("/login", { method: "POST", body: JSON.stringify(body) }));
  }

  /** Ends the session on the server too. */
  async logout(): Promise<void> {
    const tok = this.access;
    this.end();
    if (tok) await call("/logout", { method: "POST", token: tok }).catch(() => undefined);
  }

  /** A valid access token (refreshed when close to expiry), or null when signed out. */
  async token(): Promise<string | null> {
    if (this.access && Date.now() < this.expiresAt - EARLY_MS / 2) return this.access;
    if (!this.store.getItem(REFRESH_KEY)) return null;
    return this.refresh();
  }

  /** Called when the API refused the token (401): one refresh, else the session ends. */
  async rejected(): Promise<string | null> {
    this.access = null;
    return this.refresh();
  }

  private async adopt(t: Tokens): Promise<void> {
    this.keep(t);
    await this.loadMe(t.access_token);
  }

  private async loadMe(tok: string) {
    try {
      const me = await call<Me>("/me", { token: tok });
      this.set({ kind: "signedIn", me });
    } catch (e) {
      this.end(`Signing in failed: ${(e as Error).message}`);
    }
  }

  private keep(t: Tokens) {
    this.access = t.access_token;
    this.expiresAt = Date.now() + t.expires_in * 1000;
    this.store.setItem(REFRESH_KEY, t.refresh_token);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.max(t.expires_in * 1000 - EARLY_MS, 5_000));
  }

  private refresh(): Promise<string | null> {
    if (this.inflight) return this.inflight;
    const rt = this.store.getItem(REFRESH_KEY);
    if (!rt) return Promise.resolve(null);
    this.inflight = call<Tokens>("/refresh", { method: "POST", body: JSON.stringify({ refresh_token: rt }) })
      .then((t) => {
        this.keep(t);
        return t.access_token;
      })
      .catch((e: unknown) => {
        const expired = e instanceof AuthError && e.status === 401;
        this.end(expired ? "Your session has expired: sign in again." : `Session lost: ${(e as Error).message}`);
        return null;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  private end(reason?: string) {
    clearTimeout(this.timer);
    this.access = null;
    this.expiresAt = 0;
    this.store.removeItem(REFRESH_KEY);
    this.set({ kind: "signedOut", reason });
  }
}

/** Whether the controller offers single sign-on (OIDC). */
export async function authMethods(): Promise<{ password: boolean; oidc: boolean }> {
  try {
    return await call<{ password: boolean; oidc: boolean }>("/methods");
  } catch {
    return { password: true, oidc: false };
  }
}

export const session = new Session();
