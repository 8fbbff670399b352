import { join } from "node:path";
import { invocationRecord, logKey, tempDir, writeObject } from "@bedrock-chargeback/collector/testing";
import { describe, expect, it } from "vitest";
import { runCaptured } from "./testing";

describe("ingest --publish-metrics", () => {
  it("computes the run's metrics (dry run) with exact values, and never fails the ingest over them", async () => {
    const root = tempDir();
    writeObject(root, logKey("2026-11-15T10", "a"), [
      invocationRecord({ requestId: "m1", timestamp: "2026-11-15T10:10:00Z" }),
      invocationRecord({ requestId: "m2", timestamp: "2026-11-15T10:30:00Z" }),
    ]);
    const db = join(tempDir(), "store.db");
    const out = await runCaptured([
      "ingest",
      "--source",
      "dir",
      "--path",
      root,
      "--db",
      db,
      "--metrics-dry-run",
    ]);
    expect(out.code).toBe(0);
    const points = out.stderr
      .split("\n")
      .filter((l) => l.startsWith("  {"))
      .map((l) => JSON.parse(l));
    const total = (name: string) =>
      points.find(
        (p) =>
          p.name === name &&
          Object.keys(p.dimensions).length === 0 &&
          p.timestamp.startsWith("2026-11-15T10"),
      );
    expect(points.find((p) => p.name === "CollectorRunFailures")).toMatchObject({ value: 0 });
    // The test clock is 2026-11-15T12:00Z; the newest record is 10:30.
    expect(points.find((p) => p.name === "CollectorLagSeconds")).toMatchObject({ value: 5400 });
    expect(total("Tokens")).toMatchObject({ value: 300 });
    // 2 × (100 input × $1.10/M + 50 output × $5.50/M) = $0.00077 (haiku 4.5, geographic)
    expect(total("CostUSD")).toMatchObject({ value: 0.00077 });

    // Static credentials from the environment end the SDK's provider chain there (no instance-metadata probe);
    // the only address contacted is the closed loopback port.
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIDTEST",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    let unreachable: Awaited<ReturnType<typeof runCaptured>>;
    try {
      unreachable = await runCaptured([
        "ingest",
        "--source",
        "dir",
        "--path",
        root,
        "--db",
        db,
        "--publish-metrics",
        "--region",
        "us-east-1",
        "--endpoint",
        "http://127.0.0.1:9",
      ]);
    } finally {
      process.env = saved;
    }
    expect(unreachable.code).toBe(0);
    expect(unreachable.stderr).toMatch(/^warning: metrics not published: /m);
  });
});
