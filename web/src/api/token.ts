const KEY = "wellness.apiToken";

/** The API token lives in sessionStorage only: it goes with the tab, never into a URL or a cookie. */
export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/** Request headers that authenticate the caller, when a token is in use. */
export function authHeaders(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}
