import net from 'node:net';
import { KeaError, toKeaError } from '../errors.js';
import type { KeaCommand } from '../kea/types.js';
import { startDeadline } from './deadline.js';
import { unixConnectError } from './unix-connect.js';
import { serializeCommand, type Transport } from './transport.js';
import type { AnswerStream } from './stream.js';
import { unixStream } from './unix-stream.js';

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
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      let sock: net.Socket | undefined;
      const finish = (err: KeaError | undefined, value?: string): void => {
        if (settled) return;
        settled = true;
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
      try {
        sock = net.createConnection(this.path);
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
        'data',
        guard((chunk: Buffer) => {
          size += chunk.length;
          // Stop reading at the cap: the rest of a hostile answer is never held.
          if (size > cap) return finish(new KeaError('too_large', `${what}: answer exceeds ${cap} bytes`));
          chunks.push(chunk);
        }),
      );
      s.on(
        'end',
        guard(() => finish(undefined, Buffer.concat(chunks, size).toString('utf8'))),
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
