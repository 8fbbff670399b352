import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { childProcessEnv } from "@bedrock-chargeback/collector/testing";
import { expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/** Runs the CLI with its stdout read by a reader that leaves at once, like `| head -0`. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: childProcessEnv(),
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

it("output into a closed pipe (`chargeback … | head`) ends quietly with the command's own exit code", async () => {
  const out = await runWithClosedStdout(["query", "--list"]);
  expect(out.stderr).not.toMatch(/EPIPE|Unhandled|Error/);
  expect(out.code).toBe(0);
}, 60_000);
