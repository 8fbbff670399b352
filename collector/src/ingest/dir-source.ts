/** Log objects in a local folder (the embedded default; also any synced copy of the bucket). */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
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
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // Large-body sidecars live under HH/data/; they are bodies, not records.
      if (entry.name === "data") continue;
      yield* walk(root, path);
      continue;
    }
    if (!entry.isFile()) continue;
    const rel = relative(root, path).split(sep).join("/");
    if (!isLogObjectKey(rel)) continue;
    const { size } = await stat(path);
    yield { key: ledgerKeyOf(rel), location: path, size, open: async () => createReadStream(path) };
  }
}
