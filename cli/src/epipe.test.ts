import { expect, it } from "vitest";
import { runCliProcess } from "./testing";

it("output into a closed pipe (`chargeback … | head`) ends quietly with the command's own exit code", async () => {
  const out = await runCliProcess(["query", "--list"], { closeStdout: true });
  expect(out.stderr).not.toMatch(/EPIPE|Unhandled|Error/);
  expect(out.code).toBe(0);
}, 60_000);
