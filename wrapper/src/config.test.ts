import { describe, expect, it } from "vitest";
import { parseChargebackConfig } from "./config.js";
import { readEnvironmentDefaults } from "./env.js";
import { ConfigError } from "./errors.js";

describe("readEnvironmentDefaults", () => {
  it("maps container variables onto metadata keys", () => {
    const defaults = readEnvironmentDefaults({
      APP_NAME: "support-bot",
      APP_ID: "app-123",
      ENVIRONMENT: "prod",
      TEAM_NAME: "care",
      COST_CENTER: "cc-77",
      AWS_DEFAULT_REGION: "eu-central-1",
      CHARGEBACK_USER_ID_HMAC_KEY: "k".repeat(32),
      CHARGEBACK_POLICY_MODE: "warn",
      UNRELATED: "x",
    });
    expect(defaults).toEqual({
      region: "eu-central-1",
      defaultMetadata: {
        application_name: "support-bot",
        application_id: "app-123",
        environment: "prod",
        team: "care",
        cost_center: "cc-77",
      },
      userIdHmacKey: "k".repeat(32),
      policyMode: "warn",
    });
  });

  it("uses APP_ID as application_name when APP_NAME is unset, and ignores blanks", () => {
    const defaults = readEnvironmentDefaults({ APP_ID: "app-9", APP_NAME: "  ", AWS_REGION: "us-west-2" });
    expect(defaults.defaultMetadata).toEqual({ application_id: "app-9", application_name: "app-9" });
    expect(defaults.region).toBe("us-west-2");
  });
});

describe("parseChargebackConfig", () => {
  it("fills defaults", () => {
    const config = parseChargebackConfig({ region: "us-east-1" }, {});
    expect(config.policy.mode).toBe("enforce");
    expect(config.policy.requiredKeys).toEqual([
      "application_name",
      "tenant_id",
      "cost_center",
      "environment",
    ]);
    expect(config.retry).toEqual({ mode: "adaptive", maxAttempts: 3, modelTimeoutRetries: 0 });
    expect(config.conversation.repair).toBe(false);
    expect(config.fallbacks).toEqual({});
  });

  it("lets explicit options win over the environment", () => {
    const config = parseChargebackConfig(
      { region: "us-east-1", defaultMetadata: { environment: "staging" }, policy: { mode: "repair" } },
      { AWS_REGION: "eu-west-1", ENVIRONMENT: "prod", TEAM_NAME: "core", CHARGEBACK_POLICY_MODE: "warn" },
    );
    expect(config.region).toBe("us-east-1");
    expect(config.defaultMetadata).toEqual({ environment: "staging", team: "core" });
    expect(config.policy.mode).toBe("repair");
  });

  it("throws a ConfigError naming each bad path, without echoing the HMAC key", () => {
    const shortKey = "short-secret";
    try {
      parseChargebackConfig(
        { region: "virginia", policy: { userIdHmacKey: shortKey }, retry: { maxAttempts: 0 } },
        { CHARGEBACK_POLICY_MODE: "strict" },
      );
      expect.unreachable();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      expect(error.code).toBe("config_invalid");
      expect([...error.paths].sort()).toEqual([
        "policy.mode",
        "policy.userIdHmacKey",
        "region",
        "retry.maxAttempts",
      ]);
      expect(error.message).toContain("- region: must look like us-east-1");
      expect(error.message).toContain("- policy.userIdHmacKey: must have at least 16 characters");
      expect(error.message).not.toContain(shortKey);
    }
  });
});
