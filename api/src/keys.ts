/**
 * API keys: `cb_<43 base64url chars>`. Only the SHA-256 is stored, with a short prefix for display;
 * the key itself is returned once, at creation.
 */
import { createHash, randomBytes } from "node:crypto";
import { apiSchema, type Db } from "@bedrock-chargeback/ledger";
import { eq } from "drizzle-orm";
import type { Role } from "./types";

const { apiKeys } = apiSchema;

export const ROLES = ["admin", "finance", "tenant"] as const;

export type ApiKey = {
  id: string;
  name: string;
  role: Role;
  tenant: string | null;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
};

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

type Row = typeof apiKeys.$inferSelect;

function toKey(r: Row): ApiKey | undefined {
  if (!isRole(r.role)) return undefined;
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    tenant: r.tenantId,
    prefix: r.prefix,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt,
  };
}

export class KeyError extends Error {}

/**
 * Creates a key; the returned `key` is the only time the secret is visible.
 * @example createApiKey(db, { role: "tenant", tenant: "acme", name: "acme portal" })
 */
export function createApiKey(
  db: Db,
  input: { role: Role; tenant?: string | null; name?: string },
  now = new Date(),
): { key: string; apiKey: ApiKey } {
  const tenant = input.tenant ?? null;
  if (input.role === "tenant" && !tenant) throw new KeyError("a tenant key needs a tenant");
  if (input.role !== "tenant" && tenant) throw new KeyError(`a ${input.role} key is not tied to a tenant`);
  const key = `cb_${randomBytes(32).toString("base64url")}`;
  const row: Row = {
    id: `key_${randomBytes(6).toString("hex")}`,
    name: input.name ?? (tenant ? `${input.role} ${tenant}` : input.role),
    role: input.role,
    tenantId: tenant,
    prefix: key.slice(0, 10),
    hash: hashKey(key),
    createdAt: now.toISOString(),
    revokedAt: null,
  };
  db.insert(apiKeys).values(row).run();
  const apiKey = toKey(row);
  if (!apiKey) throw new KeyError("invalid role");
  return { key, apiKey };
}

export function listApiKeys(db: Db): ApiKey[] {
  return db
    .select()
    .from(apiKeys)
    .orderBy(apiKeys.createdAt, apiKeys.id)
    .all()
    .flatMap((r) => toKey(r) ?? []);
}

/** Revokes a key (idempotent). Returns undefined when no key has that id. */
export function revokeApiKey(db: Db, id: string, now = new Date()): ApiKey | undefined {
  const row = db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  if (!row) return undefined;
  if (row.revokedAt === null) {
    const revokedAt = now.toISOString();
    db.update(apiKeys).set({ revokedAt }).where(eq(apiKeys.id, id)).run();
    return toKey({ ...row, revokedAt });
  }
  return toKey(row);
}

/** The active key matching a presented secret, or undefined (unknown or revoked). */
export function findActiveKey(db: Db, presented: string): ApiKey | undefined {
  if (!presented.startsWith("cb_") || presented.length > 200) return undefined;
  const row = db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.hash, hashKey(presented)))
    .get();
  if (!row || row.revokedAt !== null) return undefined;
  return toKey(row);
}
