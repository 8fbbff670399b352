// Runs s3rver on 127.0.0.1 (random port) for integration tests; prints {"port": N} when ready.
// Started with NODE_OPTIONS=--openssl-legacy-provider: s3rver's paging tokens use DES.
import S3rver from "s3rver";

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  port: 0,
  address: "127.0.0.1",
  directory,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
