import { NavLink, Outlet } from "react-router-dom";
import { session } from "../auth/session";
import { useMe } from "../auth/useSession";
import { useLiveConnected } from "../live/LiveProvider";
import { ThemeToggle } from "./ThemeToggle";
import { NetworkSelect } from "./NetworkSelect";

/** The pages of the navigation bar, in order. Add a page here and in App's routes. */
export const NAV: { to: string; label: string; admin?: boolean }[] = [
  { to: "/", label: "Overview" },
  { to: "/topology", label: "Topology" },
  { to: "/paths", label: "Paths" },
  { to: "/policies", label: "Policies" },
  { to: "/enrol", label: "Enrol a site" },
  { to: "/events", label: "Events" },
  { to: "/audit", label: "Audit log", admin: true },
  { to: "/users", label: "Users", admin: true },
  { to: "/account", label: "Account" },
];

export function Layout() {
  const me = useMe();
  const connected = useLiveConnected();
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Patronus</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => !n.admin || me.role === "admin").map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.to === "/"}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <NetworkSelect />
          <span className={connected ? "live on" : "live off"} title="Live updates">
            {connected ? "● live" : "○ reconnecting"}
          </span>
          <span>
            {me.subject} <span className="muted">({me.role})</span>
          </span>
          <ThemeToggle />
          <button type="button" onClick={() => void session.logout()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
