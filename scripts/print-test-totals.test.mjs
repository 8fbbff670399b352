import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { totalsLine } from "./print-test-totals.mjs";

const SCRIPT = fileURLToPath(new URL("./print-test-totals.mjs", import.meta.url));

/** Runs the script as test-all.sh does, on `report` written to a file. */
function closingLine(report) {
  const path = join(mkdtempSync(join(tmpdir(), "totals-")), "vitest.json");
  writeFileSync(path, JSON.stringify(report));
  return execFileSync(process.execPath, [SCRIPT, path], { encoding: "utf8" }).trim();
}

// The shape vitest's JSON reporter writes when a file throws before its tests run.
const SETUP_FAILED = {
  numTotalTestSuites: 2,
  numPassedTestSuites: 1,
  numFailedTestSuites: 1,
  numTotalTests: 1,
  numPassedTests: 1,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  success: false,
  testResults: [
    { name: "/repo/a.test.ts", status: "passed", message: "", assertionResults: [{ status: "passed" }] },
    { name: "/repo/e2e.test.ts", status: "failed", message: "chromium did not start", assertionResults: [] },
  ],
};

describe("print-test-totals", () => {
  it("counts a file that failed in setup (0 tests) as a failure", () => {
    expect(closingLine(SETUP_FAILED)).toBe("1 passed, 1 failed");
  });

  it("adds failed files to failed tests, without counting a file twice", () => {
    const report = {
      ...SETUP_FAILED,
      numPassedTests: 5,
      numFailedTests: 2,
      numPendingTests: 1,
      numTodoTests: 1,
      testResults: [
        ...SETUP_FAILED.testResults,
        {
          name: "/repo/b.test.ts",
          status: "failed",
          message: "",
          assertionResults: [{ status: "failed" }, { status: "failed" }, { status: "passed" }],
        },
      ],
    };
    expect(totalsLine(report)).toBe("5 passed, 3 failed, 2 skipped");
  });

  it("a clean run says 0 failed", () => {
    expect(
      totalsLine({
        numPassedTests: 3,
        numFailedTests: 0,
        numFailedTestSuites: 0,
        success: true,
        testResults: [{ status: "passed", assertionResults: [{ status: "passed" }] }],
      }),
    ).toBe("3 passed, 0 failed");
  });

  it("a failed run vitest lists no file for still fails", () => {
    expect(totalsLine({ numPassedTests: 3, numFailedTests: 0, success: false, testResults: [] })).toBe(
      "3 passed, 1 failed",
    );
  });

  it("a missing or unreadable report is a failure", () => {
    const out = execFileSync(process.execPath, [SCRIPT, "/nonexistent/vitest.json"], { encoding: "utf8" });
    expect(out.trim()).toBe("0 passed, 1 failed");
  });
});
