import { readFileSync } from 'node:fs';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { KeaError } from '../errors.js';
import type { HttpOptions } from '../config/types.js';
import type { KeaCommand } from '../kea/types.js';
import { startDeadline } from './deadline.js';
import { serializeCommand, type Transport } from './transport.js';
import type { AnswerStream } from './stream.js';
import { httpStream } from './http-stream.js';

const TLS_ERROR = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

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
      connect: tls && {
        ca: tls.ca ? readFileSync(tls.ca) : undefined,
        cert: tls.cert ? readFileSync(tls.cert) : undefined,
        key: tls.key ? readFileSync(tls.key) : undefined,
        rejectUnauthorized: !tls.insecureSkipVerify,
      },
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
    const deadline = startDeadline(timeoutMs, () => {
      const extra = deadline.extendedMs > 0 ? ` (+${deadline.extendedMs} ms the exporter's event loop was stalled)` : '';
      failure = new KeaError('timeout', `${what}: no complete answer within ${timeoutMs} ms${extra}`);
      controller.abort(failure);
    }, (err) => {
      failure = new KeaError('internal', `${what}: ${err instanceof Error ? err.message : 'unexpected failure'}`, { cause: err });
      controller.abort(failure);
    });
    let res;
    let text: string;
    try {
      res = await this.pool.request({ path: this.path, method: 'POST', headers: this.headers, body, signal: controller.signal });
      text = await readCapped(res.body, res.headers['content-length'], cap, what);
    } catch (err) {
      throw failure ?? classify(err, what);
    } finally {
      deadline.cancel();
    }
    if (res.statusCode === 401) throw new KeaError('unauthorized', `${what}: HTTP 401 Unauthorized`);
    if (res.statusCode === 403) throw new KeaError('forbidden', `${what}: HTTP 403 Forbidden`);
    if (res.statusCode !== 200) throw new KeaError('http_status', `${what}: HTTP ${res.statusCode}`);
    return text;
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

function classify(err: unknown, what: string): KeaError {
  if (err instanceof KeaError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = typeof e.code === 'string' ? e.code : (e.cause?.code ?? '');
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new KeaError('timeout', `${what}: no complete answer (${code})`, { cause: err });
  }
  if (err instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return new KeaError('too_large', `${what}: answer exceeds the size cap`, { cause: err });
  }
  if (TLS_ERROR.test(code)) return new KeaError('tls', `${what}: TLS: ${code} ${e.message}`, { cause: err });
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return new KeaError('closed', `${what}: connection closed mid-answer`, { cause: err });
  }
  // Network and undici failures carry a code; anything else thrown is the exporter's own bug.
  if (code) return new KeaError('connect', `${what}: ${code}`, { cause: err });
  return new KeaError('internal', `${what}: ${typeof e.message === 'string' ? e.message : 'unexpected failure'}`, { cause: err });
}
