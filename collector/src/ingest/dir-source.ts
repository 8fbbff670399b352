/** Log objects in a local folder (the embedded default; also any synced copy of the bucket). */
import { createReadStream, type Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import {
  isLogObjectKey,
  type ListingProblem,
  ledgerKeyOf,
  type ObjectRef,
  type ObjectSource,
} from "./object-source";
import { describeFailure } from "./retry";

/** The file system calls the folder source makes; tests pass one that fails where they choose. */
export type DirFs = {
  readdir: (dir: string) => Promise<Dirent[]>;
  size: (path: string) => Promise<number>;
  readFile: (path: string) => Promise<Buffer>;
  openRead: (path: string) => Readable;
};

export const nodeDirFs: DirFs = {
  readdir: (dir) => readdir(dir, { withFileTypes: true }),
  size: async (path) => (await stat(path)).size,
  readFile: (path) => readFile(path),
  openRead: (path) => createReadStream(path),
};

export async function createDirSource(root: string, fs: DirFs = nodeDirFs): Promise<ObjectSource> {
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
    list: () => walk(fs, root, root),
  };
}

/** Depth first, names sorted. A folder or file that cannot be listed is reported and passed over. */
async function* walk(fs: DirFs, root: string, dir: string): AsyncGenerator<ObjectRef | ListingProblem> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    yield { place: dir, reason: `cannot list folder: ${describeFailure(error)}`, attempts: 1, listed: false };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Stat a folder's log files together: one round trip per folder, not per file.
  const files = entries.filter(
    (e) => e.isFile() && isLogObjectKey(relative(root, join(dir, e.name)).split(sep).join("/")),
  );
  const sizes = new Map<string, number | Error>(
    await Promise.all(
      files.map(async (e): Promise<[string, number | Error]> => {
        try {
          return [e.name, await fs.size(join(dir, e.name))];
        } catch (error) {
          return [e.name, error instanceof Error ? error : new Error(String(error))];
        }
      }),
    ),
  );
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // Large-body sidecars live under HH/data/; they are bodies, not records.
      if (entry.name === "data") continue;
      yield* walk(fs, root, path);
      continue;
    }
    const size = sizes.get(entry.name);
    if (size === undefined) continue;
    if (size instanceof Error) {
      yield { place: path, reason: `cannot stat file: ${describeFailure(size)}`, attempts: 1, listed: false };
      continue;
    }
    const rel = relative(root, path).split(sep).join("/");
    yield {
      key: ledgerKeyOf(rel),
      location: path,
      size,
      open: async () => fs.openRead(path),
      readAll: () => fs.readFile(path),
    };
  }
}
