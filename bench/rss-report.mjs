// Preloaded into the measured `chargeback` process (bench/ingest-job.ts): writes its own peak RSS
// (KiB) to $BENCH_RSS_FILE when it exits.
import { writeFileSync } from "node:fs";

process.on("exit", () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
