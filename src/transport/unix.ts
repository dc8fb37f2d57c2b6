import net from 'node:net';
import { KeaError } from '../errors.js';
import type { KeaCommand } from '../kea/types.js';
import type { Transport } from './transport.js';
import type { AnswerStream } from './stream.js';
import { unixStream } from './unix-stream.js';

/** Kea's UNIX control socket: one command per connection; Kea answers and closes, so read to EOF. */
export class UnixTransport implements Transport {
  readonly kind = 'unix' as const;

  constructor(
    readonly path: string,
    private readonly maxAnswerBytes: number,
  ) {}

  request(cmd: KeaCommand, timeoutMs: number): Promise<string> {
    const what = `${cmd.command} on ${this.path}`;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const sock = net.createConnection(this.path);
      const finish = (err: KeaError | undefined, value?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(value ?? '');
      };
      const timer = setTimeout(
        () => finish(new KeaError('timeout', `${what}: no complete answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      sock.on('connect', () => sock.write(JSON.stringify(cmd)));
      sock.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxAnswerBytes) {
          finish(new KeaError('too_large', `${what}: answer exceeds ${this.maxAnswerBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      sock.on('end', () => finish(undefined, Buffer.concat(chunks, size).toString('utf8')));
      sock.on('error', (err: NodeJS.ErrnoException) => {
        const connected = sock.bytesWritten > 0;
        const code = connected ? 'closed' : 'connect';
        finish(new KeaError(code, `${what}: ${err.code ?? err.message}`, { cause: err }));
      });
    });
  }

  async close(): Promise<void> {}

  /** The proxy's streamed exchange (see unix-stream.ts). */
  stream(cmd: KeaCommand, signal: AbortSignal): Promise<AnswerStream> {
    return unixStream(this.path, cmd, signal, this.maxAnswerBytes);
  }
}
