/** Log objects in S3: ListObjectsV2 paging, streaming GetObject. */
import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import { isLogObjectKey, ledgerKeyOf, type ObjectRef, type ObjectSource } from "./object-source";

export type S3SourceOptions = { client: S3Client; bucket: string; prefix: string; pageSize?: number };

export function createS3Source(options: S3SourceOptions): ObjectSource {
  const { client, bucket, prefix } = options;
  return {
    kind: "s3",
    location: `s3://${bucket}/${prefix}`,
    list: () => listObjects(options),
  };

  async function* listObjects({ pageSize }: S3SourceOptions): AsyncGenerator<ObjectRef> {
    const { paginateListObjectsV2 } = await import("@aws-sdk/client-s3");
    const pages = paginateListObjectsV2(
      { client, pageSize: pageSize ?? 1000 },
      { Bucket: bucket, Prefix: prefix },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
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
    }
  }

  async function openObject(key: string): Promise<Readable> {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = response.Body;
    if (!body || !isReadable(body))
      throw new Error(`s3://${bucket}/${key}: GetObject returned no readable body`);
    return body;
  }
}

function isReadable(body: unknown): body is Readable {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body && "pipe" in body;
}

export type S3ClientOptions = { region: string; endpoint?: string };

/**
 * A real S3 client from the standard credential chain; `endpoint` for stand-ins (path-style).
 * The SDK is imported only here, so the core of the collector loads without it.
 */
export async function createS3Client({ region, endpoint }: S3ClientOptions): Promise<S3Client> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  return new S3Client({ region, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
}
