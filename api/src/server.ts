/** Serves createApp on @hono/node-server; `close()` stops accepting, drains, then closes the store. */
import { createDb, type Db } from "@bedrock-chargeback/collector";
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
    rateLimit: config.rateLimit,
    corsOrigins: config.corsOrigins,
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
 * `/bare` (tiny JSON) and `/blob/:bytes` (a prebuilt, incompressible gzip-labelled body of that size, the same
 * bytes-on-the-wire as an API response, with no work behind it).
 */
export async function startBareServer(
  port: number,
  host = "127.0.0.1",
): Promise<{ close: () => Promise<void> }> {
  const blobs = new Map<number, Uint8Array<ArrayBuffer>>();
  const app = new Hono()
    .get("/bare", (c) => c.json({ ok: true }))
    .get("/blob/:bytes{[0-9]{1,8}}", (c) => {
      const n = Number(c.req.param("bytes"));
      let blob = blobs.get(n);
      if (!blob) {
        // Incompressible bytes, like a real gzip body (a load generator parses 'aaaa…' faster).
        blob = new Uint8Array(new ArrayBuffer(n));
        for (let i = 0, x = 7; i < n; i++) {
          x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
          blob[i] = x >>> 16;
        }
        blobs.set(n, blob);
      }
      return c.body(blob, 200, {
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
