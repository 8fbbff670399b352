/** Serves createApp on @hono/node-server; `close()` stops accepting, drains, then closes the store. */
import { createDb, type Db } from "@bedrock-chargeback/ledger";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createApp } from "./app";
import type { ApiConfig } from "./config";
import type { Logger } from "./context";

export type RunningServer = { url: string; port: number; close: () => Promise<void> };

/** JSON lines on stderr. */
export const stderrLogger: Logger = (entry) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

/**
 * @example const server = await startServer({ config: parseApiConfig({}) }); await server.close();
 */
export async function startServer(opts: {
  config: ApiConfig;
  db?: Db;
  logger?: Logger;
  cache?: boolean;
}): Promise<RunningServer> {
  const { config } = opts;
  const db = opts.db ?? createDb(config.dbPath);
  const logger = opts.logger ?? (config.logRequests ? stderrLogger : () => {});
  const app = createApp({
    db,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    cacheMaxBytes: config.cacheMaxBytes,
    rateLimit: config.rateLimit,
    corsOrigins: config.corsOrigins,
    cacheMaxStaleMs: config.cacheMaxStaleMs,
    invoiceConfig: config.invoiceConfig,
    ask: { config: config.ask },
    ...(config.staticDir ? { staticDir: config.staticDir } : {}),
    ...(opts.cache === undefined ? {} : { cache: opts.cache }),
  });
  return await new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
      const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${info.port}`;
      logger({ level: "info", msg: "listening", url });
      resolve({
        url,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => {
              if (!opts.db) db.$client.close();
              logger({ level: "info", msg: "stopped" });
              done();
            });
            // Idle keep-alive sockets would hold close() open.
            if ("closeIdleConnections" in server && typeof server.closeIdleConnections === "function")
              server.closeIdleConnections();
          }),
      });
    });
    server.on("error", reject);
  });
}

/**
 * Bare Hono routes on the same stack, the baselines bench/api.ts compares the API against:
 * `/bare` (tiny JSON) and `/blob/:name` (a body given up front — the exact bytes an API route
 * sent — labelled gzip JSON like the original, with no work behind it). Exact bytes matter: a load
 * generator's cost per response depends on the content, not just its length.
 */
export async function startBareServer(
  port: number,
  host = "127.0.0.1",
  bodies: ReadonlyMap<string, Uint8Array<ArrayBuffer>> = new Map(),
): Promise<{ close: () => Promise<void> }> {
  const app = new Hono()
    .get("/bare", (c) => c.json({ ok: true }))
    .get("/blob/:name", (c) => {
      const body = bodies.get(c.req.param("name"));
      if (!body) return c.notFound();
      return c.body(body, 200, {
        "content-type": "application/json; charset=UTF-8",
        "content-encoding": "gzip",
      });
    });
  return await new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, () =>
      resolve({ close: () => new Promise<void>((done) => server.close(() => done())) }),
    );
  });
}
