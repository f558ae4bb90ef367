import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, api } from "./api/http";
import { storedToken, storeToken } from "./api/token";
import type { Me } from "./api/types";
import { ChatView } from "./chat/ChatView";
import { Dashboard } from "./dashboard/Dashboard";
import { ImportView } from "./importer/ImportView";
import { MemoryView } from "./memory/MemoryView";
import { langGraphClient, SessionContext, type Session } from "./session";
import { StatusBar } from "./status/StatusBar";
import { TokenPrompt } from "./status/TokenPrompt";

const VIEWS = ["chat", "dashboard", "import", "memory"] as const;
type View = (typeof VIEWS)[number];
const LABELS: Record<View, string> = { chat: "Chat", dashboard: "Dashboard", import: "Import", memory: "Memory" };

function viewFromUrl(): View {
  const view = new URLSearchParams(window.location.search).get("view");
  return (VIEWS as readonly string[]).includes(view ?? "") ? (view as View) : "chat";
}

type SignIn = { state: "checking" } | { state: "prompt"; error?: string } | { state: "ready"; me: Me; token: string | null } | { state: "failed"; error: string };

/** Signs the caller in (a token from sessionStorage or the prompt, or none in single-user mode), then shows the app. */
export function App() {
  const [signIn, setSignIn] = useState<SignIn>({ state: "checking" });
  const [view, setView] = useState<View>(viewFromUrl);

  const check = useCallback(async (token: string | null) => {
    try {
      const me = await api<Me>(token, "/api/me");
      storeToken(token);
      setSignIn({ state: "ready", me, token });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        storeToken(null);
        setSignIn({ state: "prompt", ...(token ? { error: "That token was not accepted." } : {}) });
      } else setSignIn({ state: "failed", error: (error as Error).message });
    }
  }, []);

  useEffect(() => {
    void check(storedToken());
  }, [check]);

  const open = (next: View) => {
    setView(next);
    const url = new URL(window.location.href);
    url.searchParams.set("view", next);
    window.history.replaceState(null, "", url);
  };

  const session = useMemo<Session | null>(
    () => (signIn.state === "ready" ? { me: signIn.me, token: signIn.token, client: langGraphClient(signIn.token) } : null),
    [signIn],
  );

  return (
    <div className="app">
      <StatusBar
        me={session?.me ?? null}
        onSignOut={() => {
          storeToken(null);
          setSignIn({ state: "prompt" });
        }}
      />
      {signIn.state === "checking" && <p className="notice">Connecting…</p>}
      {signIn.state === "failed" && (
        <p className="error" role="alert">
          {signIn.error}
        </p>
      )}
      {signIn.state === "prompt" && <TokenPrompt error={signIn.error} onToken={(token) => void check(token)} />}
      {session && (
        <SessionContext.Provider value={session}>
          <nav className="tabs" aria-label="Views">
            {VIEWS.map((each) => (
              <button key={each} type="button" data-testid={`tab-${each}`} className={each === view ? "tab active" : "tab"} onClick={() => open(each)}>
                {LABELS[each]}
              </button>
            ))}
          </nav>
          <main>
            {view === "chat" && <ChatView />}
            {view === "dashboard" && <Dashboard />}
            {view === "import" && <ImportView onImported={() => open("dashboard")} />}
            {view === "memory" && <MemoryView />}
          </main>
        </SessionContext.Provider>
      )}
    </div>
  );
}
