/** How a wrapped stream ended. */
export interface StreamEnd {
  /** True only when the source stream was read to its end. */
  readonly complete: boolean;
  /** The error thrown mid-iteration, if any. */
  readonly error: unknown;
}

/**
 * Wraps an async iterable so the caller iterates it as usual while `observe` sees every event, and
 * `finish` runs exactly once when iteration stops: at the end, on an error thrown mid-stream, or when
 * the consumer breaks early (then the source is closed too).
 *
 * @example
 * const stream = observeStream(output.stream, (event) => count(event), (end) => emit(end.complete));
 */
export function observeStream<E>(
  source: AsyncIterable<E>,
  observe: (event: E) => void,
  finish: (end: StreamEnd) => void,
): AsyncGenerator<E, void, undefined> {
  async function* observed(): AsyncGenerator<E, void, undefined> {
    let complete = false;
    let failure: unknown;
    try {
      for await (const event of source) {
        observe(event);
        yield event;
      }
      complete = true;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      finish({ complete, error: failure });
    }
  }
  return observed();
}
