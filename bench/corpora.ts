/**
 * The bench corpora, generated once into bench/.corpus and reused while their `.complete` marker
 * is there (it holds the generator's summary):
 * - plain: the simulator (seed 7, 2026-09), no bodies;
 * - bodies: the simulator with bodies (large ones in `data/` sidecars);
 * - dense: bench/dense-corpus.ts, 10 tenants, 4 applications, 9 models, 200 users (issue #15's second corpus);
 * - tenants10x: the same with 100 tenants.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { simulate } from "../collector/src/simulate/simulate";
import { writeDenseCorpus } from "./dense-corpus";

export const CORPORA = ["plain", "bodies", "dense", "tenants10x"] as const;
export type CorpusName = (typeof CORPORA)[number];

export type Corpus = {
  name: CorpusName;
  dir: string;
  /** Unique records. */
  records: number;
  description: string;
  /** Lines that re-deliver a record already delivered; undefined for a corpus cached without it. */
  duplicateLines: number | undefined;
};

export const corpusRoot = join(new URL(".", import.meta.url).pathname, ".corpus");

/** Each corpus's generator; bump `version` when a generator's output changes (a new folder). */
const SPECS: Record<CorpusName, { version: number; description: string }> = {
  plain: { version: 1, description: "simulator, seed 7, 2026-09, no bodies" },
  bodies: {
    version: 1,
    description: "simulator, seed 7, 2026-09, with bodies (sidecars under data/, which every job skips)",
  },
  dense: {
    version: 1,
    description: "bench/dense-corpus.ts, seed 7, 2026-09: 10 tenants, 4 applications, 9 models, 200 users",
  },
  tenants10x: {
    version: 1,
    description: "bench/dense-corpus.ts, seed 7, 2026-09: 100 tenants, 4 applications, 9 models, 200 users",
  },
};

async function generate(name: CorpusName, out: string, records: number): Promise<{ duplicateLines: number }> {
  if (name === "plain" || name === "bodies")
    return simulate({
      out,
      from: "2026-09-01",
      to: "2026-10-01",
      records,
      seed: 7,
      bodies: name === "bodies",
      writeTruth: false,
    });
  return writeDenseCorpus({
    out,
    records,
    tenants: name === "dense" ? 10 : 100,
    applications: 4,
    users: 200,
    seed: 7,
  });
}

/** The corpus `name` with `records` records, generated first unless cached. */
export async function corpus(name: CorpusName, records: number): Promise<Corpus> {
  const spec = SPECS[name];
  // The simulator corpora keep their folder names from before the version suffix.
  const dir = join(
    corpusRoot,
    name === "plain" || name === "bodies" ? `${name}-${records}` : `${name}-v${spec.version}-${records}`,
  );
  const marker = join(dir, ".complete");
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`generating ${name}: ${records} records into ${dir} …\n`);
    const started = Date.now();
    const summary = await generate(name, dir, records);
    process.stderr.write(`  generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    writeFileSync(marker, JSON.stringify({ duplicateLines: summary.duplicateLines }));
  }
  let duplicateLines: number | undefined;
  try {
    duplicateLines = statSync(marker).isFile()
      ? JSON.parse(readFileSync(marker, "utf8")).duplicateLines
      : undefined;
  } catch {
    duplicateLines = undefined; // a marker from before the summary was kept in it
  }
  return { name, dir, records, description: spec.description, duplicateLines };
}
