// Prints vitest's JSON totals as the plain closing line CI reads: "N passed, N failed".
// A test file that fails before any test runs (a setup that cannot start chromium or s3rver, an
// import error) has no failed test, so it is counted as one failure of its own.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** vitest's JSON report → "N passed, N failed[, N skipped]". */
export function totalsLine(report) {
  const files = Array.isArray(report.testResults) ? report.testResults : [];
  const failedFiles = files.filter(
    (f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"),
  ).length;
  let failed = (report.numFailedTests ?? 0) + failedFiles;
  // A failed run with nothing to show for it (e.g. a suite failure vitest did not list) still fails.
  if (failed === 0 && ((report.numFailedTestSuites ?? 0) > 0 || report.success === false)) failed = 1;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return `${report.numPassedTests ?? 0} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const path = process.argv[2] ?? ".cache/vitest.json";
  let report;
  try {
    report = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    console.log("0 passed, 1 failed");
    process.exit(0);
  }
  console.log(totalsLine(report));
}
