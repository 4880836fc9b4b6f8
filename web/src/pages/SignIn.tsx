import { useEffect, useRef, useState, type FormEvent } from "react";
import { AUTH, AuthError, authMethods, session } from "../auth/session";
import { ThemeToggle } from "../components/ThemeToggle";

/**
 * Sign-in: user name and password, then a TOTP (or recovery) code when the
 * server answers mfa_required; single sign-on when the controller has OIDC.
 * The labels "Username" and "Password" and the button "Sign in" are a
 * contract of tests outside the repository.
 */
export function SignIn({ reason }: { reason?: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [otp, setOtp] = useState("");
  const [needOtp, setNeedOtp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [oidc, setOidc] = useState(false);
  const otpRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let live = true;
    void authMethods().then((m) => live && setOidc(m.oidc));
    return () => {
      live = false;
    };
  }, []);
  useEffect(() => {
    if (needOtp) otpRef.current?.focus();
  }, [needOtp]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.login(username, password, needOtp ? otp : undefined);
    } catch (err) {
      if (err instanceof AuthError && err.code === "mfa_required") {
        setNeedOtp(true);
      } else if (err instanceof AuthError && err.code === "unauthenticated") {
        setError(needOtp ? "Wrong user name, password or code." : "Wrong user name or password.");
      } else if (err instanceof AuthError && err.code === "too_many_requests") {
        setError("Too many attempts: wait a minute and try again.");
      } else {
        setError((err as Error).message);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <div className="signin-top">
        <ThemeToggle />
      </div>
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Patronus</h1>
        <p className="muted">Sign in to the controller.</p>
        {reason && !error && (
          <p className="notice" role="status">
            {reason}
          </p>
        )}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            disabled={needOtp}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={needOtp}
          />
        </label>
        {needOtp && (
          <label htmlFor="otp">
            Authentication code
            <input
              id="otp"
              ref={otpRef}
              name="otp"
              autoComplete="one-time-code"
              inputMode="text"
              required
              value={otp}
              onChange={(e) => setOtp(e.target.value.trim())}
              aria-describedby="otp-help"
            />
          </label>
        )}
        {needOtp && (
          <p id="otp-help" className="muted small">
            The 6-digit code of your authenticator app, or a recovery code.
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        {needOtp && (
          <button
            type="button"
            className="ghost"
            onClick={() => {
              setNeedOtp(false);
              setOtp("");
            }}
          >
            Use another account
          </button>
        )}
        {oidc && (
          <a className="button" href={`${AUTH}/oidc/login`}>
            Sign in with single sign-on
          </a>
        )}
      </form>
    </main>
  );
}
