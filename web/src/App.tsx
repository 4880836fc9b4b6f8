import { useMemo, useEffect, useState } from "react";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { Provider } from "urql";
import { useSession } from "./auth/useSession";
import { makeClient } from "./graphql/client";
import { NetworkContext, storeNetwork, storedNetwork } from "./graphql/network";
import { LiveProvider } from "./live/LiveProvider";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Status";
import { SignIn } from "./pages/SignIn";
import { routerFuture } from "./routerFuture";
import { Overview } from "./pages/Overview";
import { Topology } from "./pages/Topology";
import { Paths } from "./pages/Paths";
import { PathPage } from "./pages/PathPage";
import { SitePage } from "./pages/SitePage";
import { Policies } from "./pages/Policies";
import { Enrol } from "./pages/Enrol";
import { Events } from "./pages/Events";
import { Audit } from "./pages/Audit";
import { Users } from "./pages/Users";
import { Account } from "./pages/Account";
import { NotFound } from "./pages/NotFound";

/** The signed-in app: one GraphQL client (and WebSocket) per session and network. */
function SignedIn({ sessionId }: { sessionId: string }) {
  const [network, setNetwork] = useState(storedNetwork);
  const net = useMemo(() => ({ network, setNetwork: (n: string) => (storeNetwork(n), setNetwork(n)) }), [network]);
  // A new session (another user) or network gets a new client: no cached data leaks.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const { client, ws } = useMemo(() => makeClient(network), [sessionId, network]);
  useEffect(() => () => void ws.dispose(), [ws]);
  return (
    <NetworkContext.Provider value={net}>
      <Provider value={client}>
        <LiveProvider ws={ws} key={network}>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<Overview />} />
              <Route path="topology" element={<Topology />} />
              <Route path="paths" element={<Paths />} />
              <Route path="paths/*" element={<PathPage />} />
              <Route path="sites/:name" element={<SitePage />} />
              <Route path="policies" element={<Policies />} />
              <Route path="enrol" element={<Enrol />} />
              <Route path="events" element={<Events />} />
              <Route path="audit" element={<Audit />} />
              <Route path="users" element={<Users />} />
              <Route path="account" element={<Account />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </LiveProvider>
      </Provider>
    </NetworkContext.Provider>
  );
}

export function App() {
  const s = useSession();
  return (
    <BrowserRouter future={routerFuture}>
      {s.kind === "loading" && <Loading what="the session" />}
      {s.kind === "signedOut" && <SignIn reason={s.reason} />}
      {s.kind === "signedIn" && <SignedIn sessionId={s.me.session_id ?? s.me.subject} />}
    </BrowserRouter>
  );
}
