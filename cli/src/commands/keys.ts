import { createApiKey, listApiKeys, ROLES, revokeApiKey } from "@bedrock-chargeback/api";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { openExistingStore } from "../store";

const createSchema = z.object({
  db: z.string().min(1).optional(),
  role: z.enum(ROLES),
  tenant: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
});
const dbOnly = z.object({
  db: z.string().min(1).optional(),
  format: z.enum(["table", "json"]).default("table"),
});

export const keysCommand: Command = {
  name: "keys",
  summary: "create, list and revoke API keys",
  usage:
    "chargeback keys create --role admin|finance|tenant [--tenant <id>] [--name <text>] [--db <file>]\n" +
    "       chargeback keys list [--format table|json] [--db <file>]\n" +
    "       chargeback keys revoke <key id> [--db <file>]",
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === "create") {
      const a = parseCommandArgs(
        rest,
        {
          db: { type: "string" },
          role: { type: "string" },
          tenant: { type: "string" },
          name: { type: "string" },
        },
        createSchema,
      );
      if (a.role === "tenant" && !a.tenant) throw new UsageError("--tenant: required for a tenant key");
      if (a.role !== "tenant" && a.tenant)
        throw new UsageError(`--tenant: a ${a.role} key is not tied to a tenant`);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const { key, apiKey } = createApiKey(
          db,
          { role: a.role, tenant: a.tenant ?? null, ...(a.name ? { name: a.name } : {}) },
          io.now(),
        );
        io.stderr(
          `created ${apiKey.id} (${apiKey.role}${apiKey.tenant ? ` ${apiKey.tenant}` : ""}); the key is shown once:\n`,
        );
        io.stdout(`${key}\n`);
        return 0;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "list") {
      const a = parseCommandArgs(rest, { db: { type: "string" }, format: { type: "string" } }, dbOnly);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const keys = listApiKeys(db);
        if (a.format === "json") io.stdout(`${JSON.stringify(keys, null, 2)}\n`);
        else {
          const rows = keys.map((k) => [
            k.id,
            k.prefix,
            k.role,
            k.tenant ?? "",
            k.name,
            k.createdAt,
            k.revokedAt ?? "active",
          ]);
          const header = ["id", "prefix", "role", "tenant", "name", "created", "revoked"];
          const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
          const line = (r: string[]) =>
            r
              .map((c, i) => c.padEnd(widths[i] ?? 0))
              .join("  ")
              .trimEnd();
          io.stdout(`${[line(header), ...rows.map(line)].join("\n")}\n`);
        }
        return 0;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "revoke") {
      const [id, ...flags] = rest;
      if (!id || id.startsWith("--"))
        throw new UsageError("revoke: give the key id (see `chargeback keys list`)");
      const a = parseCommandArgs(flags, { db: { type: "string" }, format: { type: "string" } }, dbOnly);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const revoked = revokeApiKey(db, id, io.now());
        if (!revoked) throw new UsageError(`revoke: no key ${id}`);
        io.stdout(`revoked ${revoked.id} at ${revoked.revokedAt}\n`);
        return 0;
      } finally {
        db.$client.close();
      }
    }
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? "")}: create, list or revoke`);
  },
};
