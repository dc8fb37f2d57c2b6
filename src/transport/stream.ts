import { KeaError } from '../errors.js';

/** A command's answer read as it arrives (the proxy's streamed exchange). Pulled: nothing more
 * is read from the connection than the consumer asked for, so a slow consumer slows Kea's
 * writes (backpressure) instead of filling memory. */
export interface AnswerStream {
  /** The next piece of the body; undefined at its end. Rejects with a KeaError (the abort
   * signal's reason when it was aborted). */
  next(): Promise<Buffer | undefined>;
  /** Closes the connection; idempotent. */
  close(): void;
}

/** Pieces read from the kernel before the socket stops reading (per connection). */
export const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** The KeaError an aborted exchange fails with: the reason its signal was given, when that is one. */
export function abortReason(signal: AbortSignal, what: string): KeaError {
  const r: unknown = signal.reason;
  return r instanceof KeaError ? r : new KeaError('timeout', `${what}: aborted`);
}

/** Reads an async iterator of Buffers as an AnswerStream, counting bytes against a cap. */
export function iteratorStream(
  it: AsyncIterator<unknown>,
  close: () => void,
  opts: { maxBytes: number; what: string; signal: AbortSignal; classify: (err: unknown) => KeaError },
): AnswerStream {
  let size = 0;
  let closed = false;
  const stop = (): void => {
    if (closed) return;
    closed = true;
    close();
  };
  return {
    async next() {
      if (opts.signal.aborted) {
        stop();
        throw abortReason(opts.signal, opts.what);
      }
      let r: IteratorResult<unknown>;
      try {
        r = await it.next();
      } catch (err) {
        stop();
        throw opts.signal.aborted ? abortReason(opts.signal, opts.what) : opts.classify(err);
      }
      if (r.done) return undefined;
      const chunk = r.value as Buffer;
      size += chunk.length;
      if (size > opts.maxBytes) {
        stop();
        throw new KeaError('too_large', `${opts.what}: answer exceeds ${opts.maxBytes} bytes`);
      }
      return chunk;
    },
    close: stop,
  };
}
