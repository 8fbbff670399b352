/** Per-tenant markup (positive basis points) or discount (negative), a separate invoice line. */
import { eq } from "drizzle-orm";
import type { Db } from "../store/db";
import { tenantMarkups } from "../store/schema-api";
import { BillingError } from "./errors";

export type Markup = { tenant: string; basisPoints: number; description: string; updatedAt: string };

export const MIN_BASIS_POINTS = -10_000;
export const MAX_BASIS_POINTS = 100_000;

export function listMarkups(db: Db, tenant?: string): Markup[] {
  const q = db.select().from(tenantMarkups);
  const rows =
    tenant === undefined
      ? q.orderBy(tenantMarkups.tenantId).all()
      : q.where(eq(tenantMarkups.tenantId, tenant)).all();
  return rows.map((r) => ({
    tenant: r.tenantId,
    basisPoints: r.basisPoints,
    description: r.description,
    updatedAt: r.updatedAt,
  }));
}

/** Sets (or replaces) a tenant's markup. @example setMarkup(db, { tenant: "acme", basisPoints: 500, description: "5% platform fee" }) */
export function setMarkup(
  db: Db,
  input: { tenant: string; basisPoints: number; description?: string },
  now = new Date(),
): Markup {
  if (
    !Number.isInteger(input.basisPoints) ||
    input.basisPoints < MIN_BASIS_POINTS ||
    input.basisPoints > MAX_BASIS_POINTS
  ) {
    throw new BillingError(
      "bad_request",
      `basis_points: an integer from ${MIN_BASIS_POINTS} to ${MAX_BASIS_POINTS}`,
    );
  }
  const row = {
    tenantId: input.tenant,
    basisPoints: input.basisPoints,
    description: input.description ?? (input.basisPoints >= 0 ? "Markup" : "Discount"),
    updatedAt: now.toISOString(),
  };
  db.insert(tenantMarkups)
    .values(row)
    .onConflictDoUpdate({
      target: tenantMarkups.tenantId,
      set: { basisPoints: row.basisPoints, description: row.description, updatedAt: row.updatedAt },
    })
    .run();
  return {
    tenant: row.tenantId,
    basisPoints: row.basisPoints,
    description: row.description,
    updatedAt: row.updatedAt,
  };
}

/** Returns whether a markup was removed. */
export function deleteMarkup(db: Db, tenant: string): boolean {
  return db.delete(tenantMarkups).where(eq(tenantMarkups.tenantId, tenant)).run().changes > 0;
}
