import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { KeaError, toKeaError } from '../errors.js';
import type { KeaCommand } from '../kea/types.js';
import { startDeadline } from './deadline.js';
import { unixConnectError } from './unix-connect.js';
import { serializeCommand, type Transport } from './transport.js';
import type { AnswerStream } from './stream.js';
import { unixStream } from './unix-stream.js';

/** Where every connection's reads land (onread): a read is decoded before the next one can
 * happen, so one buffer serves them all. A stream's 'data' gives each read a buffer of its own
 * (64 KB, cut to what was read, freed at a collection), below glibc's mmap threshold: at 1,000
 * daemons with statistics that left ~90 MB of glibc's heap resident and fragmented
 * (docs/performance.md). The answer is held as text, on V8's heap, which compacts. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Kea's UNIX control socket: one command per connection; Kea answers and closes, so read to EOF. */
export class UnixTransport implements Transport {
  readonly kind = 'unix' as const;

  constructor(
    readonly path: string,
    private readonly maxAnswerBytes: number,
  ) {}

  request(cmd: KeaCommand, timeoutMs: number, maxBytes?: number): Promise<string> {
    const what = `${cmd.command} on ${this.path}`;
    const cap = Math.min(maxBytes ?? Infinity, this.maxAnswerBytes);
    let body: string;
    try {
      body = serializeCommand(cmd, what);
    } catch (err) {
      return Promise.reject(toKeaError(err));
    }
    return new Promise((resolveRequest, rejectRequest) => {
      // This request's closures (socket listeners, deadline) may outlive it inside objects that
      // reached the old generation, which keep them alive until the next full collection. So
      // once settled they hold neither the answer nor the promise (which holds the answer): at
      // 1,000 daemons with statistics, each 98 KB answer was otherwise promoted, half the GC work.
      let settle: { resolve: (text: string) => void; reject: (err: KeaError) => void } | undefined = { resolve: resolveRequest, reject: rejectRequest };
      const decoder = new StringDecoder('utf8');
      let text = '';
      let size = 0;
      let sock: net.Socket | undefined;
      const finish = (err: KeaError | undefined, value?: string): void => {
        if (!settle) return;
        const { resolve, reject } = settle;
        settle = undefined;
        text = '';
        deadline.cancel();
        sock?.destroy();
        if (err) reject(err);
        else resolve(value ?? '');
      };
      // Whatever throws inside a callback settles this request, never the process.
      const internal = (err: unknown): void => {
        finish(new KeaError('internal', `${what}: ${err instanceof Error ? err.message : 'unexpected failure'}`, { cause: err }));
      };
      const guard =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A): void => {
          try {
            fn(...args);
          } catch (err) {
            internal(err);
          }
        };
      const deadline = startDeadline(
        timeoutMs,
        () => {
          const extra = deadline.extendedMs > 0 ? ` (+${deadline.extendedMs} ms the exporter's event loop was stalled)` : '';
          finish(new KeaError('timeout', `${what}: no complete answer within ${timeoutMs} ms${extra}`));
        },
        internal,
      );
      const read = guard((n: number, into: Uint8Array) => {
        if (!settle) return;
        size += n;
        // Stop reading at the cap: the rest of a hostile answer is never held.
        if (size > cap) return finish(new KeaError('too_large', `${what}: answer exceeds ${cap} bytes`));
        text += decoder.write(into.subarray(0, n));
      });
      try {
        sock = net.createConnection({ path: this.path, onread: { buffer: READ_BUFFER, callback: (n, into) => (read(n, into), true) } });
      } catch (err) {
        finish(unixConnectError(err, what));
        return;
      }
      const s = sock;
      s.on(
        'connect',
        guard(() => s.write(body)),
      );
      s.on(
        'end',
        guard(() => finish(undefined, text + decoder.end())),
      );
      s.on(
        'error',
        guard((err: NodeJS.ErrnoException) => {
          if (s.bytesWritten === 0) return finish(unixConnectError(err, what));
          finish(new KeaError('closed', `${what}: ${err.code ?? err.message}`, { cause: err }));
        }),
      );
    });
  }

  async close(): Promise<void> {}

  /** The proxy's streamed exchange (see unix-stream.ts). */
  stream(cmd: KeaCommand, signal: AbortSignal): Promise<AnswerStream> {
    return unixStream(this.path, cmd, signal, this.maxAnswerBytes);
  }
}
