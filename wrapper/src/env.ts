/**
 * The only module that reads environment variables. It maps the variables container platforms
 * commonly set (ECS task definitions, Kubernetes manifests, Helm charts) onto wrapper defaults.
 */

/** An environment-variable bag; tests pass their own instead of `process.env`. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/** Wrapper defaults found in the environment. Explicit configuration always wins over these. */
export interface EnvironmentDefaults {
  readonly region: string | undefined;
  readonly defaultMetadata: Readonly<Record<string, string>>;
  readonly userIdHmacKey: string | undefined;
  readonly policyMode: string | undefined;
}

/** Environment variable → metadata key. `APP_ID` also stands in for `APP_NAME` when that is unset. */
export const ENVIRONMENT_METADATA_KEYS: Readonly<Record<string, string>> = {
  APP_NAME: "application_name",
  APP_ID: "application_id",
  ENVIRONMENT: "environment",
  TEAM_NAME: "team",
  COST_CENTER: "cost_center",
};

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed.length === 0 ? undefined : trimmed;
}

/**
 * Reads wrapper defaults from environment variables: `APP_NAME`, `APP_ID`, `ENVIRONMENT`, `TEAM_NAME`,
 * `COST_CENTER` (metadata), `AWS_REGION` / `AWS_DEFAULT_REGION`, `CHARGEBACK_USER_ID_HMAC_KEY` and
 * `CHARGEBACK_POLICY_MODE`.
 *
 * @example
 * readEnvironmentDefaults({ APP_NAME: "support-bot", ENVIRONMENT: "prod" }).defaultMetadata;
 * // { application_name: "support-bot", environment: "prod" }
 */
export function readEnvironmentDefaults(env: EnvironmentVariables = process.env): EnvironmentDefaults {
  const defaultMetadata: Record<string, string> = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT_METADATA_KEYS)) {
    const value = nonEmpty(env[variable]);
    if (value !== undefined) defaultMetadata[key] = value;
  }
  const appId = defaultMetadata.application_id;
  if (defaultMetadata.application_name === undefined && appId !== undefined) {
    defaultMetadata.application_name = appId;
  }
  return {
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    defaultMetadata,
    userIdHmacKey: nonEmpty(env.CHARGEBACK_USER_ID_HMAC_KEY),
    policyMode: nonEmpty(env.CHARGEBACK_POLICY_MODE),
  };
}
