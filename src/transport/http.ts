import { readFileSync } from 'node:fs';
import { Pool, type Dispatcher } from 'undici';
import { KeaError } from '../errors.js';
import { httpRefusal } from '../kea/answer.js';
import type { HttpOptions } from '../config/types.js';
import type { KeaCommand } from '../kea/types.js';
import { startDeadline } from './deadline.js';
import { serializeCommand, type Transport } from './transport.js';
import type { AnswerStream } from './stream.js';
import { httpStream } from './http-stream.js';
import { classifyHttpError, readRefusal, tlsConnector } from './http-errors.js';

/** A Control Agent or Kea 3 HTTP control socket, over one keep-alive pool whose size bounds
 * the connections this exporter can ever open to it. */
export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly pool: Pool;
  private readonly where: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly opts: HttpOptions,
    maxConnections: number,
    private readonly maxAnswerBytes: number,
  ) {
    const url = new URL(opts.url);
    this.path = url.pathname + url.search;
    // Messages name the origin and path only: a query string may carry a token.
    this.where = url.origin + url.pathname;
    const tls = opts.tls;
    this.pool = new Pool(url.origin, {
      connections: maxConnections,
      pipelining: 1,
      maxResponseSize: maxAnswerBytes,
      connect:
        url.protocol === 'https:'
          ? tlsConnector({
              ca: tls?.ca ? readFileSync(tls.ca) : undefined,
              cert: tls?.cert ? readFileSync(tls.cert) : undefined,
              key: tls?.key ? readFileSync(tls.key) : undefined,
              rejectUnauthorized: !tls?.insecureSkipVerify,
              // No TLS session resumption: Kea 3.0.4 answers a resumed session on a socket that
              // requires client certificates with an internal_error alert (every connection
              // after keep-alive's 4 s idle would fail); a full handshake costs a millisecond.
              maxCachedSessions: 0,
            })
          : undefined,
    });
    this.headers = { 'content-type': 'application/json' };
    if (opts.auth) {
      const token = Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64');
      this.headers.authorization = `Basic ${token}`;
    }
  }

  async request(cmd: KeaCommand, timeoutMs: number, maxBytes?: number): Promise<string> {
    const what = `${cmd.command} at ${this.where}${cmd.service ? ` (${cmd.service.join(',')})` : ''}`;
    const cap = Math.min(maxBytes ?? Infinity, this.maxAnswerBytes);
    const body = serializeCommand(cmd, what);
    // Our own timer, not AbortSignal.timeout: the same "Kea was slow, not our loop" rule as UNIX.
    const controller = new AbortController();
    let failure: KeaError | undefined;
    const deadline = startDeadline(
      timeoutMs,
      () => {
        const extra = deadline.extendedMs > 0 ? ` (+${deadline.extendedMs} ms the exporter's event loop was stalled)` : '';
        failure = new KeaError('timeout', `${what}: no complete answer within ${timeoutMs} ms${extra}`);
        controller.abort(failure);
      },
      (err) => {
        failure = new KeaError('internal', `${what}: ${err instanceof Error ? err.message : 'unexpected failure'}`, { cause: err });
        controller.abort(failure);
      },
    );
    let res;
    let text: string | undefined;
    try {
      res = await this.pool.request({ path: this.path, method: 'POST', headers: this.headers, body, signal: controller.signal });
      if (res.statusCode === 200) text = await readCapped(res.body, res.headers['content-length'], cap, what);
      // A refusal's body tells Kea's 400 from another server's; only a little of it is read.
      else text = await readRefusal(res.body);
      if (failure) throw failure;
    } catch (err) {
      throw failure ?? classifyHttpError(err, what);
    } finally {
      deadline.cancel();
    }
    if (res.statusCode !== 200) throw httpRefusal(res.statusCode, text, what);
    return text!;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** The proxy's streamed exchange (see http-stream.ts), through the same pool, whose
   * maxResponseSize caps the answer. */
  stream(cmd: KeaCommand, signal: AbortSignal): Promise<AnswerStream> {
    return httpStream({ pool: this.pool, path: this.path, headers: this.headers, url: this.where }, cmd, signal, Infinity);
  }
}

/** The body as text, read no further than cap bytes: a declared or actual excess is refused
 * with too_large and the rest of the answer is never held. */
async function readCapped(stream: Dispatcher.ResponseData['body'], length: string | string[] | undefined, cap: number, what: string): Promise<string> {
  const declared = typeof length === 'string' ? Number(length) : NaN;
  const tooLarge = (): KeaError => new KeaError('too_large', `${what}: answer exceeds ${cap} bytes`);
  if (declared > cap) {
    stream.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > cap) {
      stream.destroy();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
