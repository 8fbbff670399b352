/**
 * An HTTP proxy on 127.0.0.1 in front of s3rver that injects S3 faults for chosen requests: a 503
 * SlowDown, a reset connection, or a GetObject body cut off mid-stream (headers promise the whole
 * length). Each rule fires a set number of times, then requests pass through untouched.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";

export type Fault = "slow-down" | "reset" | "truncate";

export type FaultRule = {
  /** Matches when the decoded request path + query contains this text (a key, `list-type=2` …). */
  match: string;
  method?: string;
  fault: Fault;
  /** How many matching requests get the fault. */
  times: number;
};

export type FaultProxy = {
  endpoint: string;
  /** Every request seen: method, decoded path, and the fault injected if any. */
  log: { method: string; path: string; fault: Fault | null }[];
  setRules: (rules: FaultRule[]) => void;
  stop: () => Promise<void>;
};

const SLOW_DOWN = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>`;

/** @example const proxy = await startFaultProxy(s3.endpoint); proxy.setRules([{ match: key, fault: "reset", times: 2 }]); */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  if (upstream.hostname !== "127.0.0.1" && upstream.hostname !== "localhost")
    throw new Error(`fault proxy: loopback targets only, not ${upstream.hostname}`);
  let rules: (FaultRule & { left: number })[] = [];
  const log: FaultProxy["log"] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, cutBody: boolean) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!cutBody) {
          answer.pipe(res);
          return;
        }
        const length = Number(answer.headers["content-length"] ?? 0);
        let sent = 0;
        answer.on("data", (chunk: Buffer) => {
          const room = Math.max(0, Math.floor(length / 2) - sent);
          if (room > 0) res.write(chunk.subarray(0, room));
          sent += Math.min(room, chunk.length);
          if (sent >= Math.floor(length / 2)) {
            answer.destroy();
            // Let the first half reach the client, then drop the connection.
            setTimeout(() => res.socket?.destroy(), 20);
          }
        });
      },
    );
    out.on("error", () => res.socket?.destroy());
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? "");
    const rule = rules.find(
      (r) => r.left > 0 && path.includes(r.match) && (r.method === undefined || r.method === req.method),
    );
    if (rule) rule.left -= 1;
    log.push({ method: req.method ?? "", path, fault: rule?.fault ?? null });
    if (rule?.fault === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    if (rule?.fault === "slow-down") {
      req.resume();
      req.on("end", () => {
        res.writeHead(503, {
          "content-type": "application/xml",
          "content-length": Buffer.byteLength(SLOW_DOWN),
        });
        res.end(SLOW_DOWN);
      });
      return;
    }
    forward(req, res, rule?.fault === "truncate");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("fault proxy: no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    log,
    setRules: (next) => {
      rules = next.map((r) => ({ ...r, left: r.times }));
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
