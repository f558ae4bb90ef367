import { Client } from "@langchain/langgraph-sdk";
import { createContext, useContext } from "react";
import type { Me } from "./api/types";

/** Who is signed in, with their token (null without API_TOKENS) and a LangGraph SDK client that carries it. */
export interface Session {
  me: Me;
  token: string | null;
  client: Client;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionContext");
  return session;
}

/** The page talks to its own origin's LangGraph API, authenticated like every other call. */
export function langGraphClient(token: string | null): Client {
  return new Client({ apiUrl: window.location.origin, defaultHeaders: token ? { Authorization: `Bearer ${token}` } : {} });
}
