/** Log objects in a local folder (the embedded default; also any synced copy of the bucket). */
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { isLogObjectKey, ledgerKeyOf, type ObjectRef, type ObjectSource } from "./object-source";

export async function createDirSource(root: string): Promise<ObjectSource> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch {
    throw new Error(`--path ${root}: no such folder`);
  }
  if (!info.isDirectory()) throw new Error(`--path ${root}: not a folder`);
  return {
    kind: "dir",
    location: root,
    list: () => walk(root, root),
  };
}

async function* walk(root: string, dir: string): AsyncGenerator<ObjectRef> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Stat a folder's log files together: one round trip per folder, not per file.
  const files = entries.filter(
    (e) => e.isFile() && isLogObjectKey(relative(root, join(dir, e.name)).split(sep).join("/")),
  );
  const sizes = new Map(
    await Promise.all(files.map(async (e) => [e.name, (await stat(join(dir, e.name))).size] as const)),
  );
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // Large-body sidecars live under HH/data/; they are bodies, not records.
      if (entry.name === "data") continue;
      yield* walk(root, path);
      continue;
    }
    const size = sizes.get(entry.name);
    if (size === undefined) continue;
    const rel = relative(root, path).split(sep).join("/");
    yield {
      key: ledgerKeyOf(rel),
      location: path,
      size,
      open: async () => createReadStream(path),
      readAll: () => readFile(path),
    };
  }
}
