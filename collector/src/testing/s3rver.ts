/** Starts s3rver (real S3 wire protocol) in a child process for a test. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { childProcessEnv } from "./env";
import { tempDir } from "./fixtures";

export type S3Stand = { endpoint: string; stop: () => Promise<void> };

export async function startS3rver(buckets: string[]): Promise<S3Stand> {
  const script = fileURLToPath(new URL("./s3rver-process.mjs", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [script, tempDir("s3rver-"), ...buckets], {
    env: childProcessEnv({ NODE_OPTIONS: "--openssl-legacy-provider" }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) {
        const parsed: unknown = JSON.parse(line);
        if (
          typeof parsed === "object" &&
          parsed !== null &&
          "port" in parsed &&
          typeof parsed.port === "number"
        )
          resolve(parsed.port);
        else reject(new Error(`s3rver said ${line}`));
      }
    });
    child.on("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Puts objects into an s3rver bucket (for tests in packages without the S3 SDK). */
export async function putObjects(
  endpoint: string,
  bucket: string,
  objects: readonly { key: string; body: Buffer }[],
): Promise<void> {
  const { PutObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
  const client = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  for (const { key, body } of objects)
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  client.destroy();
}
