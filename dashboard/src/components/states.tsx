import type { ApiError } from "../api/client";

export function Loading({ label = "Loading…", tall = false }: { label?: string; tall?: boolean }) {
  return (
    <div role="status" aria-live="polite" className="state">
      {tall ? <div className="skeleton" aria-hidden="true" /> : null}
      <span className={tall ? "sr-only" : undefined}>{label}</span>
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="state">{children}</div>;
}

function titleOf(e: ApiError): string {
  if (e.status === 403) return "Not allowed";
  if (e.status === 401) return "Not signed in";
  if (e.status === 404) return "Not found";
  if (e.status === 429) return "Too many requests";
  if (e.status === 0) return "Cannot reach the API";
  return "Something went wrong";
}

/** An API error with its code, message and request id (for support), and a retry. */
export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div role="alert" className="state error" data-testid="error-state" data-status={error.status}>
      <h2>
        {titleOf(error)} ({error.status || "network"} {error.code})
      </h2>
      <p>{error.message}</p>
      {error.requestId ? <p className="muted">Request id: {error.requestId}</p> : null}
      {onRetry && error.status !== 403 ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
