/**
 * Splits a byte stream into lines without ever holding more than one line (capped) in memory.
 * A line over `maxLineBytes` is reported as such and its bytes are dropped as they stream by.
 */
import type { Readable } from "node:stream";

export type Line = { number: number; text: string } | { number: number; tooLong: number };

export async function* readLines(stream: Readable, maxLineBytes: number): AsyncGenerator<Line> {
  let number = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let overflow = 0;
  for await (const chunk of stream) {
    const buf: Buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      const end = nl === -1 ? buf.length : nl;
      const piece = buf.subarray(start, end);
      if (overflow > 0 || partBytes + piece.length > maxLineBytes) {
        overflow += partBytes + piece.length;
        parts = [];
        partBytes = 0;
      } else if (piece.length > 0) {
        parts.push(piece);
        partBytes += piece.length;
      }
      if (nl === -1) break;
      number += 1;
      if (overflow > 0) yield { number, tooLong: overflow };
      else yield { number, text: Buffer.concat(parts, partBytes).toString("utf8") };
      parts = [];
      partBytes = 0;
      overflow = 0;
      start = nl + 1;
    }
  }
  if (overflow > 0) yield { number: number + 1, tooLong: overflow };
  else if (partBytes > 0)
    yield { number: number + 1, text: Buffer.concat(parts, partBytes).toString("utf8") };
}
