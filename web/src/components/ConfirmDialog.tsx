import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";

/**
 * A modal confirmation: Escape or Cancel closes it, focus starts inside and
 * returns to the opener; the app behind it is inert (no focus, no clicks,
 * hidden from screen readers) while it is open. With `typeToConfirm` the user must type that word
 * (a site's name) before the action is enabled.
 */
export function ConfirmDialog({
  title,
  children,
  action,
  typeToConfirm,
  busy,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  action: string;
  typeToConfirm?: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const first = useRef<HTMLInputElement & HTMLButtonElement>(null);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const app = document.getElementById("root");
    app?.setAttribute("inert", "");
    first.current?.focus();
    return () => {
      app?.removeAttribute("inert");
      opener?.focus();
    };
  }, []);
  const ok = !typeToConfirm || typed === typeToConfirm;
  return createPortal(
    <div className="backdrop">
      <div
        className="dialog card"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-t`}
        onKeyDown={(e) => e.key === "Escape" && onCancel()}
      >
        <h2 id={`${id}-t`}>{title}</h2>
        <div>{children}</div>
        {typeToConfirm && (
          <label>
            Type <code>{typeToConfirm}</code> to confirm
            <input ref={first} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
        )}
        <div className="actions">
          <button type="button" ref={typeToConfirm ? undefined : first} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger" disabled={!ok || busy} onClick={onConfirm}>
            {action}
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
