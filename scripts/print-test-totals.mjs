// Prints vitest's JSON totals as the plain closing line CI reads: "N passed, N failed".
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? ".cache/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(path, "utf8"));
} catch {
  console.log("0 passed, 1 failed");
  process.exit(0);
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(
  `${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`,
);
