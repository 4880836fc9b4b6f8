// Renders a page as the app does (a urql client, a router, LiveProvider)
// for component tests; the signed-in user comes from the test's mock of
// ../auth/useSession (see asRole).
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router-dom";
import { Provider } from "urql";
import { LiveProvider } from "../live/LiveProvider";
import { routerFuture } from "../routerFuture";
import type { Me, Role } from "../auth/session";
import type { TestClient } from "./testClient";

export function renderPage(t: TestClient, page: ReactElement, path = "/") {
  return render(
    <Provider value={t.client}>
      <MemoryRouter future={routerFuture} initialEntries={[path]}>
        <LiveProvider>{page}</LiveProvider>
      </MemoryRouter>
    </Provider>,
  );
}

/** The signed-in user of a test, by role. */
export function user(role: Role, extra: Partial<Me> = {}): Me {
  return { subject: role === "admin" ? "root" : role, role, method: "password", session_id: "s1", ...extra };
}
