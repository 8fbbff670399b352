/** Log objects in S3: ListObjectsV2 paging (each page retried), streaming GetObject. */
import { pipeline, type Readable, Transform } from "node:stream";
import type { ListObjectsV2CommandOutput, S3Client } from "@aws-sdk/client-s3";
import {
  isLogObjectKey,
  type ListingProblem,
  ledgerKeyOf,
  type ObjectRef,
  type ObjectSource,
} from "./object-source";
import { DEFAULT_RETRY, describeFailure, RetriesExhausted, type RetryPolicy, withRetry } from "./retry";

export type S3SourceOptions = {
  client: S3Client;
  bucket: string;
  prefix: string;
  pageSize?: number;
  /** For ListObjectsV2 pages (GetObject is retried by the ingest); default `DEFAULT_RETRY`. */
  retry?: RetryPolicy;
};

export function createS3Source(options: S3SourceOptions): ObjectSource {
  const { client, bucket, prefix } = options;
  return {
    kind: "s3",
    location: `s3://${bucket}/${prefix}`,
    list: () => listObjects(options),
  };

  async function* listObjects({
    pageSize,
    retry,
  }: S3SourceOptions): AsyncGenerator<ObjectRef | ListingProblem> {
    const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    let token: string | undefined;
    for (let page = 1; ; page++) {
      const place = `s3://${bucket}/${prefix} (ListObjectsV2 page ${page})`;
      let retried: { tries: number; reason: string } | undefined;
      let response: ListObjectsV2CommandOutput;
      try {
        response = await withRetry(
          () =>
            client.send(
              new ListObjectsV2Command({
                Bucket: bucket,
                Prefix: prefix,
                MaxKeys: pageSize ?? 1000,
                ContinuationToken: token,
              }),
            ),
          retry ?? DEFAULT_RETRY,
          {
            onRetry: (error, n) => {
              retried = { tries: n + 1, reason: describeFailure(error) };
            },
          },
        );
      } catch (error) {
        // Without this page's continuation token the rest cannot be listed: stop, say so.
        const attempts = error instanceof RetriesExhausted ? error.attempts : 1;
        yield { place, reason: `listing stopped: ${describeFailure(error)}`, attempts, listed: false };
        return;
      }
      if (retried) yield { place, reason: retried.reason, attempts: retried.tries, listed: true };
      for (const object of response.Contents ?? []) {
        const key = object.Key;
        if (!key || !isLogObjectKey(key)) continue;
        yield {
          key: ledgerKeyOf(key),
          location: `s3://${bucket}/${key}`,
          size: object.Size ?? 0,
          etag: object.ETag,
          open: () => openObject(key),
        };
      }
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
      if (!token) return;
    }
  }

  async function openObject(key: string): Promise<Readable> {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = response.Body;
    if (!body || !isReadable(body))
      throw new Error(`s3://${bucket}/${key}: GetObject returned no readable body`);
    return checkLength(body, response.ContentLength, `s3://${bucket}/${key}`);
  }
}

/**
 * The body, failing with code INCOMPLETE_BODY if it ends before `ContentLength` bytes: a body cut
 * short is a failed read (retried), not a damaged object.
 */
function checkLength(body: Readable, expected: number | undefined, where: string): Readable {
  if (expected === undefined) return body;
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (seen >= expected) done();
      else
        done(
          Object.assign(new Error(`${where}: body ended after ${seen} of ${expected} bytes`), {
            code: "INCOMPLETE_BODY",
          }),
        );
    },
  });
  return pipeline(body, counted, () => {});
}

function isReadable(body: unknown): body is Readable {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body && "pipe" in body;
}

export type S3ClientOptions = { region: string; endpoint?: string };

/**
 * A real S3 client from the standard credential chain; `endpoint` for stand-ins (path-style).
 * The SDK's own retries are off: the ingest retries listings and whole object reads (a body cut
 * short too, which the SDK cannot), under one policy (`RetryPolicy`), instead of tries × tries.
 * The SDK is imported only here, so the core of the collector loads without it.
 */
export async function createS3Client({ region, endpoint }: S3ClientOptions): Promise<S3Client> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  return new S3Client({ region, maxAttempts: 1, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
}
