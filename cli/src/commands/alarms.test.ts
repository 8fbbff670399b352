import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeCloudWatch } from "@bedrock-chargeback/infra/testing";
import { createBudget, createDb } from "@bedrock-chargeback/ledger";
import { afterEach, describe, expect, it } from "vitest";
import { runCaptured } from "../testing";

const TOPIC = "arn:aws:sns:us-east-1:111122223333:chargeback";

function fixture(): { db: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), "alarms-cli-"));
  const db = join(dir, "store.db");
  const store = createDb(db);
  createBudget(store, {
    name: "Acme",
    scope: "tenant",
    scopeValue: "acme",
    amountMicros: 500_000_000n,
    thresholds: [50, 100],
  });
  store.$client.close();
  const config = join(dir, "alarms.config.json");
  writeFileSync(
    config,
    JSON.stringify({ topicArn: TOPIC, delivery: { destinations: ["s3"] }, collector: { enabled: false } }),
  );
  return { db, config };
}

let fake = createFakeCloudWatch();
afterEach(() => {
  fake.mock.restore();
  fake = createFakeCloudWatch();
});

describe("chargeback alarms", () => {
  it("plan shows what apply will create; apply creates it; a second plan is empty", async () => {
    const { db, config } = fixture();
    const plan = await runCaptured([
      "alarms",
      "plan",
      "--db",
      db,
      "--config",
      config,
      "--region",
      "us-east-1",
    ]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe(
      [
        "+ bedrock-chargeback:budget:tenant:acme:100pct",
        "+ bedrock-chargeback:budget:tenant:acme:50pct",
        "+ bedrock-chargeback:delivery-failure:s3",
        "3 to create, 0 to update, 0 to delete, 0 unchanged, 0 not owned (ignored), 0 conflict(s)",
        "",
      ].join("\n"),
    );
    const apply = await runCaptured([
      "alarms",
      "apply",
      "--db",
      db,
      "--config",
      config,
      "--region",
      "us-east-1",
    ]);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("applied: 3 created, 0 updated, 0 deleted");
    expect(fake.alarms.get("bedrock-chargeback:budget:tenant:acme:50pct")?.alarm.Threshold).toBe(250);
    const again = await runCaptured([
      "alarms",
      "plan",
      "--db",
      db,
      "--config",
      config,
      "--format",
      "json",
      "--region",
      "us-east-1",
    ]);
    expect(JSON.parse(again.stdout)).toEqual({
      create: [],
      update: [],
      delete: [],
      unchanged: [
        "bedrock-chargeback:budget:tenant:acme:100pct",
        "bedrock-chargeback:budget:tenant:acme:50pct",
        "bedrock-chargeback:delivery-failure:s3",
      ],
      notOwned: [],
      conflicts: [],
    });
  });

  it("apply exits 1 when a foreign alarm holds a definition's name, and leaves it alone", async () => {
    const { db, config } = fixture();
    fake.seed({
      AlarmName: "bedrock-chargeback:delivery-failure:s3",
      Namespace: "Mine",
      MetricName: "M",
      Threshold: 9,
    });
    const apply = await runCaptured([
      "alarms",
      "apply",
      "--db",
      db,
      "--config",
      config,
      "--region",
      "us-east-1",
    ]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("1 alarm(s) not applied");
    expect(fake.alarms.get("bedrock-chargeback:delivery-failure:s3")?.alarm.Namespace).toBe("Mine");
  });

  it("export prints a CloudFormation template of the same definitions", async () => {
    const { db, config } = fixture();
    const out = await runCaptured([
      "alarms",
      "export",
      "--db",
      db,
      "--config",
      config,
      "--format",
      "cloudformation",
    ]);
    expect(out.code).toBe(0);
    const template = JSON.parse(out.stdout) as {
      Resources: Record<string, { Type: string; Properties: { AlarmName: string } }>;
    };
    expect(
      Object.values(template.Resources)
        .map((r) => [r.Type, r.Properties.AlarmName])
        .sort(),
    ).toEqual([
      ["AWS::CloudWatch::Alarm", "bedrock-chargeback:budget:tenant:acme:100pct"],
      ["AWS::CloudWatch::Alarm", "bedrock-chargeback:budget:tenant:acme:50pct"],
      ["AWS::CloudWatch::Alarm", "bedrock-chargeback:delivery-failure:s3"],
    ]);
  });

  it("refuses to guess budgets: no store and no --without-budgets is a usage error", async () => {
    const { config } = fixture();
    const out = await runCaptured(["alarms", "plan", "--config", config]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--without-budgets");
    const bad = await runCaptured(["alarms", "sync", "--config", config]);
    expect(bad.code).toBe(2);
  });
});
