/** React glue: the signed-in client in context, and a loading/error/data hook over it. */

import type { MeResponse } from "@bedrock-chargeback/api";
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { ApiError, type Client, type Schema } from "./client";

export type Session = { client: Client; me: MeResponse; signOut: (reason?: string) => void };

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in view");
  return s;
}

export type Loadable<T> =
  | { state: "loading" }
  | { state: "error"; error: ApiError }
  | { state: "ok"; data: T };

function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError(0, "network", e instanceof Error ? e.message : String(e), null);
}

/** GETs `path` (null = nothing to load) and re-fetches when it changes. */
export function useApi<T>(path: string | null, schema: Schema<T>): Loadable<T> & { reload: () => void } {
  const { client } = useSession();
  const [result, setResult] = useState<Loadable<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  // `generation` forces a reload; schemas are module-level constants.
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setResult({ state: "loading" });
    client.get(path, schema).then(
      (data) => live && setResult({ state: "ok", data }),
      (e: unknown) => live && setResult({ state: "error", error: asApiError(e) }),
    );
    return () => {
      live = false;
    };
  }, [client, path, generation]);
  const reload = useCallback(() => {
    client.invalidate();
    setGeneration((g) => g + 1);
  }, [client]);
  return { ...result, reload };
}

export { asApiError };
