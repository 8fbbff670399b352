import { describe, expect, it } from "vitest";
import { backoffDelay, describeFailure, isTransientError, RetriesExhausted, withRetry } from "./retry";

const instant = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, random: () => 1 };

function nodeError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

function awsError(name: string, status: number, retryable?: object): Error {
  const error = Object.assign(new Error(`${name} from S3`), {
    $metadata: { httpStatusCode: status },
    ...(retryable ? { $retryable: retryable } : {}),
  });
  error.name = name;
  return error;
}

describe("withRetry", () => {
  it("retries transient failures with capped exponential waits, then returns", async () => {
    const waits: number[] = [];
    const seen: number[] = [];
    const value = await withRetry(
      async (n) => {
        seen.push(n);
        if (n < 4) throw nodeError("ECONNRESET");
        return "done";
      },
      { ...instant, sleep: async (ms) => void waits.push(ms) },
    );
    expect(value).toBe("done");
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([100, 200, 250]);
  });

  it("gives up after the last attempt and says how many were made", async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls += 1;
        throw awsError("SlowDown", 503);
      },
      { ...instant, sleep: async () => {} },
    );
    await expect(failing).rejects.toBeInstanceOf(RetriesExhausted);
    await expect(failing).rejects.toMatchObject({ attempts: 4 });
    expect(calls).toBe(4);
  });

  it("does not retry a failure that will not pass (permission denied)", async () => {
    let calls = 0;
    const onRetry: unknown[] = [];
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw nodeError("EACCES", "EACCES: permission denied, open 'x'");
        },
        { ...instant, sleep: async () => {} },
        { onRetry: (e) => onRetry.push(e) },
      ),
    ).rejects.toMatchObject({ attempts: 1, message: "EACCES: permission denied, open 'x'" });
    expect(calls).toBe(1);
    expect(onRetry).toEqual([]);
  });

  it("jitters each wait between 0 and its ceiling", () => {
    expect(backoffDelay(1, { ...instant, random: () => 0 })).toBe(0);
    expect(backoffDelay(2, { ...instant, random: () => 0.5 })).toBe(100);
    expect(backoffDelay(9, { ...instant, random: () => 1 })).toBe(250);
  });
});

describe("isTransientError", () => {
  it.each([
    ["503 SlowDown", awsError("SlowDown", 503)],
    ["500 InternalError", awsError("InternalError", 500)],
    ["429", awsError("TooManyRequestsException", 429)],
    ["SDK $retryable", awsError("Whatever", 400, { throttling: true })],
    ["reset socket", nodeError("ECONNRESET", "aborted")],
    ["timeout", nodeError("ETIMEDOUT")],
    ["body cut short", nodeError("INCOMPLETE_BODY")],
    ["in a cause", new Error("read failed", { cause: nodeError("EPIPE") })],
  ])("%s is transient", (_, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ["403 AccessDenied", awsError("AccessDenied", 403)],
    ["404 NoSuchKey", awsError("NoSuchKey", 404)],
    ["EACCES", nodeError("EACCES")],
    ["ENOENT", nodeError("ENOENT")],
    ["plain error", new Error("boom")],
    ["not an error", "boom"],
  ])("%s is not", (_, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});

describe("describeFailure", () => {
  it("names the AWS error and its HTTP status, and the Node code", () => {
    expect(describeFailure(awsError("SlowDown", 503))).toBe("SlowDown from S3 (HTTP 503)");
    expect(describeFailure(nodeError("ECONNRESET", "aborted"))).toBe("aborted [ECONNRESET]");
    expect(describeFailure(new RetriesExhausted(3, nodeError("EPIPE", "write EPIPE")))).toBe("write EPIPE");
  });
});
