import {
  BillingError,
  reresolveProfiles,
  storedProfileMappings,
  storeProfileMapping,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { loadProfileMap, openExistingStore } from "../store";

const mapSchema = z.object({
  db: z.string().min(1).optional(),
  profiles: z.string().min(1).optional(),
  format: z.enum(["text", "json"]).default("text"),
});
const listSchema = z.object({ db: z.string().min(1).optional() });

export const profilesCommand: Command = {
  name: "profiles",
  summary: "map application inference profile ARNs to models; re-resolves open months",
  usage:
    "chargeback profiles map <profile arn> <model or system profile id> [--db <file>] [--format text|json]\n" +
    '       chargeback profiles map --profiles <file {"<arn>": "<model>"}> [--db <file>]\n' +
    "       chargeback profiles list [--db <file>]\n" +
    "       Stores the mapping, then re-resolves the unresolved usage of that ARN in OPEN months\n" +
    "       (model, scope and price version); closed months are never touched.",
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const s = { type: "string" } as const;
    if (sub === "list") {
      const a = parseCommandArgs(rest, { db: s }, listSchema);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        io.stdout(`${JSON.stringify(Object.fromEntries(storedProfileMappings(db)), null, 2)}\n`);
        return 0;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "map") {
      const positional = rest.filter((x, i) => !x.startsWith("--") && !(rest[i - 1] ?? "").startsWith("--"));
      const flags = rest.filter((x) => !positional.includes(x));
      const a = parseCommandArgs(flags, { db: s, profiles: s, format: s }, mapSchema);
      const pairs = new Map<string, string>();
      if (positional.length === 2) pairs.set(positional[0] ?? "", positional[1] ?? "");
      else if (positional.length !== 0)
        throw new UsageError("profiles map: expected <profile arn> <model id>");
      for (const [arn, model] of loadProfileMap(a.profiles) ?? []) pairs.set(arn, model);
      if (pairs.size === 0)
        throw new UsageError("profiles map: give <profile arn> <model id> or --profiles <file>");
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        try {
          db.$client.transaction(() => {
            for (const [arn, model] of pairs) storeProfileMapping(db, arn, model, io.now());
          })();
        } catch (error) {
          if (error instanceof BillingError && error.code === "bad_request")
            throw new UsageError(error.message);
          throw error;
        }
        const r = reresolveProfiles(db, storedProfileMappings(db));
        if (a.format === "json")
          io.stdout(`${JSON.stringify({ mapped: Object.fromEntries(pairs), ...r }, null, 2)}\n`);
        else {
          for (const [arn, model] of pairs) io.stdout(`mapped ${arn} → ${model}\n`);
          io.stdout(
            `re-resolved ${r.hourlyRowsChanged} hourly and ${r.facetRowsChanged} facet row(s) in open months ${r.reresolvedMonths.join(", ") || "-"}; closed months untouched: ${r.skippedClosedMonths.join(", ") || "-"}\n`,
          );
        }
        return 0;
      } finally {
        db.$client.close();
      }
    }
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? "")}: map or list`);
  },
};
