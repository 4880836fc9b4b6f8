// Small form parts shared by the editing pages: an input with its field
// error beside it, a copy button, a secret shown once.
import { useId, useState, type InputHTMLAttributes, type ReactNode } from "react";

/**
 * A labelled input whose server-side error (`error`) is shown beside it,
 * announced and tied to it with aria-describedby / aria-invalid.
 */
export function Field({
  label,
  error,
  hint,
  ...input
}: { label: ReactNode; error?: string; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const described = [hint ? `${id}-h` : "", error ? `${id}-e` : ""].filter(Boolean).join(" ");
  return (
    <div className={error ? "field invalid" : "field"}>
      <label htmlFor={`${id}-i`}>{label}</label>
      <input {...input} id={`${id}-i`} aria-invalid={error ? true : undefined} aria-describedby={described || undefined} />
      {hint && (
        <span id={`${id}-h`} className="muted small">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-e`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Copies text to the clipboard; says so (or that it could not). */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [done, setDone] = useState<"" | "copied" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone("copied");
    } catch {
      setDone("failed");
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()} aria-label={`Copy ${what}`}>
        Copy
      </button>
      <span role="status" className="muted small">
        {done === "copied" ? "Copied." : done === "failed" ? "Copy failed: select the text and copy it." : ""}
      </span>
    </>
  );
}

/** A secret the server shows once: the text, a copy button and the warning. */
export function SecretOnce({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  return (
    <div className="secret card" aria-label={label} role="group">
      <p className="notice">Shown once: copy it now. The controller keeps only a hash and cannot show it again.</p>
      <div className="copyline">
        <code className="wrap" data-testid={label}>
          {value}
        </code>
        <CopyButton text={value} what={label} />
      </div>
      {children}
    </div>
  );
}
