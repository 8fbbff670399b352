import { MeResponse } from "@bedrock-chargeback/api/schemas";
import { useCallback, useEffect, useMemo, useState } from "react";
import { type Client, createClient } from "./api/client";
import { type Session, SessionContext } from "./api/use-api";
import { type Nav, NavContext } from "./components/nav";
import { Shell } from "./components/shell";
import { SignIn } from "./components/sign-in";
import { Loading } from "./components/states";
import { parseView, serializeView, type ViewState } from "./lib/view-state";
import { AskPage } from "./pages/ask-page";
import { BillingPage } from "./pages/billing-page";
import { BudgetsPage } from "./pages/budgets-page";
import { ExperimentsPage } from "./pages/experiments-page";
import { OverviewPage } from "./pages/overview-page";
import { ReconciliationPage } from "./pages/reconciliation-page";
import { TenantsPage } from "./pages/tenants-page";
import { UsersPage } from "./pages/users-page";

/** sessionStorage only: the key lives as long as the tab and never goes into a URL. */
const KEY_STORAGE = "chargeback.apiKey";

type Auth =
  | { state: "checking" }
  | { state: "signed-out"; notice: string | null }
  | { state: "signed-in"; client: Client; me: MeResponse };

function readView(): ViewState {
  return parseView(window.location.pathname, window.location.search, Date.now());
}

export function App() {
  const [auth, setAuth] = useState<Auth>(() =>
    sessionStorage.getItem(KEY_STORAGE) ? { state: "checking" } : { state: "signed-out", notice: null },
  );
  const [view, setView] = useState<ViewState>(readView);
  const nowMs = useMemo(() => Date.now(), []);

  const signOut = useCallback((notice?: string) => {
    sessionStorage.removeItem(KEY_STORAGE);
    setAuth({ state: "signed-out", notice: notice ?? null });
  }, []);

  const connect = useCallback(
    (key: string) =>
      createClient(key, {
        onUnauthorized: () => signOut("Your API key is no longer accepted. Sign in again."),
      }),
    [signOut],
  );

  useEffect(() => {
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (!key || auth.state !== "checking") return;
    const client = connect(key);
    client.get("/v1/me", MeResponse).then(
      (me) => setAuth({ state: "signed-in", client, me }),
      () => signOut("Your session's API key was not accepted. Sign in again."),
    );
  }, [auth.state, connect, signOut]);

  useEffect(() => {
    const onPop = () => setView(readView());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  const nav: Nav = useMemo(
    () => ({
      view,
      go: (next, opts) => {
        const url = serializeView(next);
        if (opts?.replace) window.history.replaceState(null, "", url);
        else if (url !== `${window.location.pathname}${window.location.search}`)
          window.history.pushState(null, "", url);
        setView(next);
        if (next.page !== view.page) window.scrollTo(0, 0);
      },
    }),
    [view],
  );

  // Keep the address bar canonical (defaults written out) so what is on screen is what is shared.
  useEffect(() => {
    const url = serializeView(view);
    if (url !== `${window.location.pathname}${window.location.search}`)
      window.history.replaceState(null, "", `${url}${window.location.hash}`);
  }, [view]);

  const session: Session | null = useMemo(
    () => (auth.state === "signed-in" ? { client: auth.client, me: auth.me, signOut } : null),
    [auth, signOut],
  );

  if (auth.state === "checking") return <Loading label="Checking your API key…" />;
  if (auth.state === "signed-out" || !session)
    return (
      <SignIn
        notice={auth.state === "signed-out" ? auth.notice : null}
        onSignedIn={(key, _client, me) => {
          sessionStorage.setItem(KEY_STORAGE, key);
          setAuth({ state: "signed-in", client: connect(key), me });
        }}
      />
    );

  return (
    <SessionContext.Provider value={session}>
      <NavContext.Provider value={nav}>
        <Shell nowMs={nowMs}>
          {view.page === "overview" ? <OverviewPage nowMs={nowMs} /> : null}
          {view.page === "tenants" ? <TenantsPage /> : null}
          {view.page === "users" ? <UsersPage /> : null}
          {view.page === "experiments" ? <ExperimentsPage /> : null}
          {view.page === "billing" ? <BillingPage nowMs={nowMs} /> : null}
          {view.page === "reconciliation" ? <ReconciliationPage /> : null}
          {view.page === "budgets" ? <BudgetsPage /> : null}
          {view.page === "ask" ? <AskPage /> : null}
        </Shell>
      </NavContext.Provider>
    </SessionContext.Provider>
  );
}
