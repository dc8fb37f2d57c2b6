import { readFileSync } from 'node:fs';
import { Pool, errors as undiciErrors } from 'undici';
import { KeaError } from '../errors.js';
import type { HttpOptions } from '../config/types.js';
import type { KeaCommand } from '../kea/types.js';
import type { Transport } from './transport.js';
import type { AnswerStream } from './stream.js';
import { httpStream } from './http-stream.js';

const TLS_ERROR = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

/** A Control Agent or Kea 3 HTTP control socket, over one keep-alive pool whose size bounds
 * the connections this exporter can ever open to it. */
export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly opts: HttpOptions,
    maxConnections: number,
    maxAnswerBytes: number,
  ) {
    const url = new URL(opts.url);
    this.path = url.pathname + url.search;
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

  async request(cmd: KeaCommand, timeoutMs: number): Promise<string> {
    const what = `${cmd.command} at ${this.opts.url}${cmd.service ? ` (${cmd.service.join(',')})` : ''}`;
    let res;
    let text: string;
    try {
      res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(cmd),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.body.text();
    } catch (err) {
      throw classify(err, what, timeoutMs);
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
    return httpStream({ pool: this.pool, path: this.path, headers: this.headers, url: this.opts.url }, cmd, signal, Infinity);
  }
}

function classify(err: unknown, what: string, timeoutMs: number): KeaError {
  const e = err as NodeJS.ErrnoException & { name?: string; cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code ?? '';
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new KeaError('timeout', `${what}: no complete answer within ${timeoutMs} ms`, { cause: err });
  }
  if (err instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return new KeaError('too_large', `${what}: answer exceeds the size cap`, { cause: err });
  }
  if (TLS_ERROR.test(code)) return new KeaError('tls', `${what}: TLS: ${code} ${e.message}`, { cause: err });
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return new KeaError('closed', `${what}: connection closed mid-answer`, { cause: err });
  }
  return new KeaError('connect', `${what}: ${code || e.message}`, { cause: err });
}
