// TOTP enrolment of the signed-in user (docs/API.md, /api/v1/auth/mfa/…):
// enrol gives a secret and its otpauth:// URI (not in force yet); confirm
// with a code turns MFA on and gives ten recovery codes, shown once.
import { AUTH, AuthError, session } from "./session";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const tok = await session.token();
  if (!tok) throw new AuthError("not signed in", "unauthenticated");
  const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${tok}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(AUTH + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  if (res.status === 204) return undefined as T;
  const out = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = out?.error ?? {};
    throw new AuthError(e.message ?? `${res.status} ${res.statusText}`, e.code ?? "http", e.field, res.status);
  }
  return out as T;
}

export interface Enrolment {
  secret: string;
  /** otpauth://totp/…: for the QR code. */
  url: string;
}

export const mfa = {
  enrol: () => call<Enrolment>("POST", "/mfa/totp"),
  confirm: (otp: string) => call<{ recovery_codes: string[] }>("POST", "/mfa/totp/confirm", { otp }),
  disable: (otp: string) => call<void>("DELETE", "/mfa/totp", { otp }),
  newRecoveryCodes: (otp: string) => call<{ recovery_codes: string[] }>("POST", "/mfa/recovery-codes", { otp }),
};
