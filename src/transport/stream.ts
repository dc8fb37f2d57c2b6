import type { Readable } from 'node:stream';
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

/** Reads a Readable of Buffers (a socket, an HTTP body) as an AnswerStream, counting bytes
 * against a cap. Flowing while a reader waits; a chunk nobody asked for yet is kept and the stream
 * paused, so it holds at most that chunk and its highWaterMark and reads no more until asked. (Its
 * async iterator does the same with several more listeners, promises and an end-of-stream watcher
 * per exchange: measurable on every proxied command.) */
export function readableStream(
  r: Readable,
  close: () => void,
  opts: { maxBytes: number; what: string; signal: AbortSignal; classify: (err: unknown) => KeaError },
): AnswerStream {
  let size = 0;
  let closed = false;
  let ended = false;
  let failure: KeaError | undefined;
  const kept: Buffer[] = [];
  let reader: { resolve: (chunk: Buffer | undefined) => void; reject: (err: KeaError) => void } | undefined;
  const stop = (): void => {
    if (closed) return;
    closed = true;
    close();
  };
  const failed = (): KeaError => {
    stop();
    return opts.signal.aborted ? abortReason(opts.signal, opts.what) : failure!;
  };
  /** The reader waiting, if any, learns of the end or the failure. */
  const tell = (): void => {
    const w = reader;
    if (!w || (!ended && failure === undefined)) return;
    reader = undefined;
    if (ended) w.resolve(undefined);
    else w.reject(failed());
  };
  r.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > opts.maxBytes) {
      failure ??= new KeaError('too_large', `${opts.what}: answer exceeds ${opts.maxBytes} bytes`);
      stop();
      return tell();
    }
    const w = reader;
    if (w) {
      reader = undefined;
      return w.resolve(chunk);
    }
    kept.push(chunk);
    r.pause();
  });
  r.once('end', () => {
    ended = true;
    tell();
  });
  // Every error is caught here (and reaches the reader), never the process.
  r.on('error', (err) => {
    failure ??= opts.classify(err);
    tell();
  });
  r.once('close', () => {
    // Closed without its end and without an error: cut off (as the iterator's premature close).
    if (!ended) failure ??= opts.classify(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    tell();
  });
  return {
    next() {
      if (opts.signal.aborted) return Promise.reject(failed());
      const chunk = kept.shift();
      if (chunk !== undefined) return Promise.resolve(chunk);
      if (failure !== undefined && !ended) return Promise.reject(failed());
      if (ended) return Promise.resolve(undefined);
      if (r.isPaused()) r.resume();
      return new Promise((resolve, reject) => (reader = { resolve, reject }));
    },
    close: stop,
  };
}
