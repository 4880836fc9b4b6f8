import { Link, useLocation } from "react-router-dom";

export function NotFound() {
  const loc = useLocation();
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing is at <code>{loc.pathname}</code>. <Link to="/">Back to the overview</Link>.
      </p>
    </section>
  );
}
