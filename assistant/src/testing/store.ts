/**
 * A store for the assistant's tests: three months of usage for three tenants, three applications
 * and four models (one unpriced), weekends included, plus unattributed calls; priced with the
 * shipped catalog, written through normalize → rollup like an ingest. Every test builds its own.
 */

import { ingestRecords, invocationRecord } from "@bedrock-chargeback/collector/testing";
import {
  createDb,
  type Db,
  loadCatalog,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
} from "@bedrock-chargeback/ledger";

export const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
export const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
export const NOVA = "amazon.nova-lite-v1:0";
export const UNPRICED = "acme.mystery-model-v1:0";

const TENANTS = ["acme", "globex", "initech"] as const;
const APPS = [
  { application: "support-assistant", costCenter: "CC-100", team: "cx", model: HAIKU },
  { application: "sales-assistant", costCenter: "CC-200", team: "sales", model: SONNET },
  { application: "doc-search", costCenter: "CC-300", team: "platform", model: NOVA },
] as const;

/**
 * @example const db = assistantTestStore(); // 2026-09-01 .. 2026-11-28
 */
export function assistantTestStore(path = ":memory:"): Db {
  const db = createDb(path);
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", new Date("2026-09-01T00:00:00Z"));
  const records: Record<string, unknown>[] = [];
  let n = 0;
  for (let t = Date.UTC(2026, 8, 1); t < Date.UTC(2026, 10, 29); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const dayIndex = (t - Date.UTC(2026, 8, 1)) / 86_400_000;
    TENANTS.forEach((tenant, ti) => {
      APPS.forEach((app, ai) => {
        // Growth differs by tenant, so month-over-month questions have one clear answer.
        const calls = 1 + ((dayIndex + ti + ai) % 3);
        for (let c = 0; c < calls; c++) {
          n++;
          const hour = String((3 + ti * 5 + ai * 3 + c * 7) % 24).padStart(2, "0");
          const input = 400 + ((n * 37) % 900) * (1 + ti) + Math.floor(dayIndex * (ti + 1) * 3);
          records.push(
            invocationRecord({
              requestId: `req-${n}`,
              timestamp: `${day}T${hour}:${String(c * 11).padStart(2, "0")}:00.000Z`,
              modelId: app.model,
              metadata: {
                tenant_id: tenant,
                application_name: app.application,
                cost_center: app.costCenter,
                environment: c === 2 ? "staging" : "production",
                team: app.team,
                user_id: `${tenant}-user-${(n % 3) + 1}`,
              },
              input: {
                inputTokenCount: input,
                cacheReadInputTokenCount: app.model === NOVA ? 0 : (n % 4) * 250,
                cacheWriteInputTokenCount: app.model === HAIKU && c === 0 ? 1024 : 0,
              },
              output: { outputTokenCount: 50 + ((n * 13) % 400) },
              ...(n % 97 === 0 ? { errorCode: "ThrottlingException" } : {}),
            }),
          );
        }
      });
    });
    // Unattributed calls (no metadata) and an unpriced model, every third day.
    if (dayIndex % 3 === 0) {
      n++;
      records.push(
        invocationRecord({
          requestId: `req-${n}`,
          timestamp: `${day}T12:00:00.000Z`,
          modelId: HAIKU,
          metadata: null,
          input: { inputTokenCount: 5000, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
          output: { outputTokenCount: 700 },
        }),
      );
      n++;
      records.push(
        invocationRecord({
          requestId: `req-${n}`,
          timestamp: `${day}T13:00:00.000Z`,
          modelId: UNPRICED,
          metadata: {
            tenant_id: "globex",
            application_name: "doc-search",
            cost_center: "CC-300",
            environment: "production",
            team: "platform",
          },
          input: { inputTokenCount: 3000, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
          output: { outputTokenCount: 300 },
        }),
      );
    }
  }
  ingestRecords(db, records);
  return db;
}
