import { useState, type FormEvent } from "react";

/** Asks for an API token (kept in sessionStorage for this tab only, never put in a URL). */
export function TokenPrompt({ error, onToken }: { error?: string | undefined; onToken: (token: string) => void }) {
  const [token, setToken] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) onToken(token.trim());
  };
  return (
    <form className="token-prompt" onSubmit={submit}>
      <h2>Sign in</h2>
      <p>This server uses API tokens. Paste yours; it is kept for this browser tab only.</p>
      <input
        data-testid="token-input"
        type="password"
        autoComplete="off"
        placeholder="API token"
        value={token}
        onChange={(event) => setToken(event.target.value)}
        aria-label="API token"
      />
      <button type="submit" data-testid="token-submit">
        Sign in
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
