import net from 'node:net';
import { KeaError } from '../errors.js';
import type { KeaCommand } from '../kea/types.js';
import { serializeCommand } from './transport.js';
import { unixConnectError } from './unix-connect.js';
import { STREAM_HIGH_WATER_MARK, abortReason, readableStream, type AnswerStream } from './stream.js';

/** One command on a UNIX control socket, its answer streamed: resolves once connected (a
 * failure to connect rejects here, as `connect`), then reads to Kea's EOF on demand. */
export function unixStream(path: string, cmd: KeaCommand, signal: AbortSignal, maxBytes: number): Promise<AnswerStream> {
  const what = `${cmd.command} on ${path}`;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal, what));
    let body: string;
    try {
      body = serializeCommand(cmd, what);
    } catch (err) {
      return reject(err);
    }
    // allowHalfOpen: Kea's end of the answer is read, then the socket destroyed (close()), without
    // Node first ending our side (a shutdown and a finish for a connection about to close).
    const sock = net.createConnection({ path, readableHighWaterMark: STREAM_HIGH_WATER_MARK, allowHalfOpen: true } as net.NetConnectOpts);
    // Errors after connecting reach the reader (readableStream); never the process.
    sock.on('error', () => {});
    const onAbort = (): void => {
      sock.destroy(abortReason(signal, what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const close = (): void => {
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
    };
    const failConnect = (err: NodeJS.ErrnoException): void => {
      close();
      reject(err instanceof KeaError ? err : unixConnectError(err, what));
    };
    sock.once('error', failConnect);
    sock.once('connect', () => {
      sock.off('error', failConnect);
      sock.write(body);
      const classify = (err: unknown): KeaError => {
        if (err instanceof KeaError) return err;
        const e = err as NodeJS.ErrnoException;
        return new KeaError('closed', `${what}: ${e.code ?? e.message}`, { cause: err });
      };
      resolve(readableStream(sock, close, { maxBytes, what, signal, classify }));
    });
  });
}
