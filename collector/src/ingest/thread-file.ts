/**
 * Where a worker thread's code is (docs/adr/0012-parallel-ingest.md, "Running from source and
 * from the package"): in cli/dist the bundled `<name>.js` beside the chunk that starts it; from
 * the TypeScript sources `thread-boot.mjs`, which registers tsx and then imports `<name>.ts`
 * (Node 20 does not pass the parent's loader hooks to workers). Pass the starting module's
 * `import.meta.url`; hand `boot` to the worker as `workerData.boot`.
 * @example const { url, boot } = threadFile("parse-worker", import.meta.url);
 */
export function threadFile(name: string, from: string): { url: URL; boot?: { entry: string } } {
  if (!from.endsWith(".ts")) return { url: new URL(`./${name}.js`, from) };
  // Built from templates so cli/build.ts does not take the file names for assets.
  const boot = "thread-boot";
  return {
    url: new URL(`./${boot}.mjs`, import.meta.url),
    boot: { entry: new URL(`./${name}.ts`, from).href },
  };
}
