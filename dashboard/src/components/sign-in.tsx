import { MeResponse } from "@bedrock-chargeback/api/schemas";
import { useId, useState } from "react";
import { type Client, createClient } from "../api/client";
import { asApiError } from "../api/use-api";

/** Asks for an API key and checks it with GET /v1/me before keeping it (sessionStorage only). */
export function SignIn({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn: (key: string, client: Client, me: MeResponse) => void;
}) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (trimmed === "") return setError("Enter an API key.");
    setBusy(true);
    setError(null);
    try {
      const client = createClient(trimmed);
      const me = await client.get("/v1/me", MeResponse);
      onSignedIn(trimmed, client, me);
    } catch (err) {
      const apiError = asApiError(err);
      setError(
        apiError.status === 401 ? "That key was not accepted (unknown or revoked)." : apiError.message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <div className="signin">
        <h1>Bedrock Chargeback</h1>
        <p>
          Sign in with an API key (create one with <code>chargeback keys create</code>). It is kept for this
          browser tab only.
        </p>
        {notice ? (
          <p role="status" className="banner">
            {notice}
          </p>
        ) : null}
        <form onSubmit={submit}>
          <label htmlFor={inputId}>API key</label>
          <input
            id={inputId}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="cb_…"
            aria-describedby={error ? `${inputId}-error` : undefined}
            aria-invalid={error ? true : undefined}
          />
          {error ? (
            <p id={`${inputId}-error`} role="alert" className="inline-error">
              {error}
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Checking…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
