import { useEffect, useState, type FormEvent } from "react";
import QRCode from "qrcode";
import { useMe } from "../auth/useSession";
import { mfa, type Enrolment } from "../auth/mfa";
import { CopyButton, Field } from "../components/Form";

/** A QR code of text (an otpauth:// URI) as an SVG image; data: images are allowed by the dashboard's CSP. */
export function QR({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState("");
  useEffect(() => {
    let stop = false;
    void QRCode.toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then((svg) => {
      if (!stop) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      stop = true;
    };
  }, [text]);
  return src ? <img className="qr" src={src} alt={label} width={224} height={224} /> : null;
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="secret card" role="group" aria-label="Recovery codes">
      <p className="notice">
        Recovery codes, shown once: keep them somewhere safe. Each signs you in once in place of an authenticator code.
      </p>
      <ul className="codes plain" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <CopyButton text={codes.join("\n")} what="recovery codes" />
    </div>
  );
}

/** The signed-in user's own account: two-factor sign-in (TOTP) and recovery codes. */
export function Account() {
  const me = useMe();
  const [on, setOn] = useState(Boolean(me.mfa_enabled));
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [otp, setOtp] = useState("");
  const [err, setErr] = useState<{ field?: string; msg: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setErr(null);
    try {
      await fn();
    } catch (e) {
      const ae = e as Error & { field?: string; code?: string };
      const msg = ae.code === "bad_otp" || ae.code === "unauthenticated" ? "That code is not right: try the current one." : ae.message;
      setErr({ field: ae.field, msg });
    } finally {
      setBusy(false);
    }
  };
  const start = () =>
    run(async () => {
      setCodes(null);
      setEnrolment(await mfa.enrol());
    });
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const r = await mfa.confirm(otp.trim());
      setCodes(r.recovery_codes);
      setEnrolment(null);
      setOtp("");
      setOn(true);
    });
  };
  const renew = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      setCodes((await mfa.newRecoveryCodes(otp.trim())).recovery_codes);
      setOtp("");
    });
  };
  const disable = () =>
    run(async () => {
      await mfa.disable(otp.trim());
      setOtp("");
      setCodes(null);
      setOn(false);
    });

  const otpField = (label: string) => (
    <Field
      label={label}
      value={otp}
      onChange={(e) => setOtp(e.target.value)}
      autoComplete="one-time-code"
      inputMode="numeric"
      error={err && (!err.field || err.field === "otp") ? err.msg : undefined}
    />
  );
  return (
    <>
      <h1>Account</h1>
      <dl className="facts">
        <dt>User</dt>
        <dd>{me.subject}</dd>
        <dt>Role</dt>
        <dd>{me.role}</dd>
        <dt>Signed in with</dt>
        <dd>{me.method}</dd>
      </dl>
      <h2>Two-factor sign-in</h2>
      {me.method !== "password" && !on && <p className="muted">Two-factor sign-in applies to password sign-in (local users).</p>}
      {codes && <RecoveryCodes codes={codes} />}
      {on ? (
        <>
          <p>
            Two-factor sign-in is <strong>on</strong>: signing in asks for a code from your authenticator app (or a recovery code).
          </p>
          <form onSubmit={renew} className="form-row" aria-label="Manage two-factor sign-in">
            {otpField("Authenticator or recovery code")}
            <button type="submit" disabled={busy || !otp.trim()}>
              New recovery codes
            </button>
            <button type="button" className="danger" disabled={busy || !otp.trim()} onClick={() => void disable()}>
              Turn off two-factor sign-in
            </button>
          </form>
        </>
      ) : enrolment ? (
        <form onSubmit={confirm} aria-label="Set up two-factor sign-in">
          <p>Scan this code with an authenticator app (or enter the key by hand), then type the code it shows.</p>
          <QR text={enrolment.url} label="QR code of your authenticator setup" />
          <div className="copyline">
            <span>Key:</span>
            <code className="wrap" data-testid="totp-secret">
              {enrolment.secret}
            </code>
            <CopyButton text={enrolment.secret} what="key" />
          </div>
          <div className="form-row">
            {otpField("Code from the app")}
            <button type="submit" className="primary" disabled={busy || !otp.trim()}>
              Verify and turn on
            </button>
            <button type="button" onClick={() => setEnrolment(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p>Two-factor sign-in is off.</p>
          {err && (
            <div className="error" role="alert">
              {err.msg}
            </div>
          )}
          <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
            Set up two-factor sign-in
          </button>
        </>
      )}
    </>
  );
}
