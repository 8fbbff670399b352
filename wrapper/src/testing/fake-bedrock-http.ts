import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { HttpRequest, HttpResponse } from "@smithy/protocol-http";

/**
 * A stand-in for Bedrock at the HTTP layer: plug it into a real `BedrockRuntimeClient` as
 * `requestHandler`, and the SDK's whole pipeline (serialization, retries, SigV4 signing,
 * deserialization, event streams) runs for real while no byte leaves the process.
 */

/** A canned HTTP answer. */
export interface FakeResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

/** Decides the answer to one signed request. */
export type FakeResponder = (request: HttpRequest, index: number) => FakeResponse | Promise<FakeResponse>;

/** The part of an abort signal the handler needs (the SDK passes its own AbortSignal type). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener?(type: "abort", listener: () => void): void;
}

/** A request handler that records the final signed requests it receives. */
export interface FakeBedrockHandler {
  readonly requests: HttpRequest[];
  handle(
    request: HttpRequest,
    options?: { abortSignal?: AbortSignalLike },
  ): Promise<{ response: HttpResponse }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

/**
 * Creates a fake HTTP handler that records requests and answers with `responder`.
 *
 * @example
 * const http = createFakeBedrockHandler(() => jsonResponse({ output: {...}, usage: {...} }));
 * const client = new BedrockRuntimeClient({ region: "us-east-1", credentials: FAKE_CREDENTIALS, requestHandler: http });
 */
export function createFakeBedrockHandler(responder: FakeResponder): FakeBedrockHandler {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async handle(request, options) {
      requests.push(request);
      const signal = options?.abortSignal;
      const aborted = new Promise<never>((_, reject) => {
        const fail = () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" }));
        if (signal?.aborted) fail();
        signal?.addEventListener?.("abort", fail);
      });
      aborted.catch(() => undefined);
      const answer = await Promise.race([responder(request, requests.length - 1), aborted]);
      const body =
        typeof answer.body === "string" ? Buffer.from(answer.body) : Buffer.from(answer.body ?? []);
      return {
        response: new HttpResponse({
          statusCode: answer.statusCode,
          headers: { "x-amzn-requestid": `fake-request-${requests.length}`, ...answer.headers },
          body: Readable.from([body]),
        }),
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
}

/** Static credentials that sign requests but would never authenticate anywhere. */
export const FAKE_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLEFAKEKEY00",
  secretAccessKey: "fake-secret-access-key-for-tests-only",
} as const;

/** A 200 JSON response. */
export function jsonResponse(body: unknown, headers: Readonly<Record<string, string>> = {}): FakeResponse {
  return {
    statusCode: 200,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** A Bedrock error response in the restJson1 shape (`x-amzn-errortype` + `{ message }`). */
export function errorResponse(statusCode: number, errorType: string, message: string): FakeResponse {
  return {
    statusCode,
    headers: {
      "content-type": "application/json",
      "x-amzn-errortype": `${errorType}:http://internal.amazon.com/`,
    },
    body: JSON.stringify({ message }),
  };
}

function encodeHeaders(headers: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name);
    const valueBytes = Buffer.from(value);
    const header = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
    let offset = header.writeUInt8(nameBytes.length, 0);
    offset += nameBytes.copy(header, offset);
    offset = header.writeUInt8(7, offset); // 7 = string
    offset = header.writeUInt16BE(valueBytes.length, offset);
    valueBytes.copy(header, offset);
    parts.push(header);
  }
  return Buffer.concat(parts);
}

/** Encodes one AWS event-stream message (prelude, headers, payload, CRCs). */
export function encodeEventMessage(headers: Readonly<Record<string, string>>, payload: Uint8Array): Buffer {
  const headerBytes = encodeHeaders(headers);
  const totalLength = 12 + headerBytes.length + payload.length + 4;
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(totalLength, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(crc32(prelude), 0);
  const withoutCrc = Buffer.concat([prelude, preludeCrc, headerBytes, Buffer.from(payload)]);
  const messageCrc = Buffer.alloc(4);
  messageCrc.writeUInt32BE(crc32(withoutCrc), 0);
  return Buffer.concat([withoutCrc, messageCrc]);
}

/** An event-stream event (`:message-type` event) with a JSON payload. */
export function encodeEvent(eventType: string, payload: unknown): Buffer {
  return encodeEventMessage(
    { ":event-type": eventType, ":content-type": "application/json", ":message-type": "event" },
    Buffer.from(JSON.stringify(payload)),
  );
}

/** A 200 event-stream response made of the given encoded events. */
export function eventStreamResponse(
  events: readonly Buffer[],
  headers: Readonly<Record<string, string>> = {},
): FakeResponse {
  return {
    statusCode: 200,
    headers: { "content-type": "application/vnd.amazon.eventstream", ...headers },
    body: Buffer.concat(events),
  };
}

/** An InvokeModelWithResponseStream `chunk` event carrying `body` as JSON bytes. */
export function encodeChunk(body: unknown): Buffer {
  return encodeEvent("chunk", { bytes: Buffer.from(JSON.stringify(body)).toString("base64") });
}

/** Reads a header of a recorded request, case-insensitively. */
export function readRequestHeader(request: HttpRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The SignedHeaders list of a SigV4 Authorization header. */
export function readSignedHeaders(request: HttpRequest): string[] {
  const authorization = readRequestHeader(request, "authorization") ?? "";
  const match = /SignedHeaders=([^,\s]+)/.exec(authorization);
  return match?.[1]?.split(";") ?? [];
}

export { HttpRequest };
