import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseCommandArgs } from "./args";
import { UsageError } from "./io";

const schema = z.object({
  batchRecords: z.coerce.number().int().min(1).default(7),
  name: z.string().optional(),
});
const options = { "batch-records": { type: "string" as const }, name: { type: "string" as const } };

describe("parseCommandArgs", () => {
  it("maps kebab-case flags onto camelCase schema fields", () => {
    expect(parseCommandArgs(["--batch-records", "150"], options, schema)).toEqual({ batchRecords: 150 });
    expect(parseCommandArgs([], options, schema)).toEqual({ batchRecords: 7 });
  });

  it("names the kebab-case flag in errors, and rejects unknown flags", () => {
    expect(() => parseCommandArgs(["--batch-records", "0"], options, schema)).toThrow(/^--batch-records: /);
    expect(() => parseCommandArgs(["--nope"], options, schema)).toThrow(UsageError);
  });
});
