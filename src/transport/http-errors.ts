import type { Socket } from 'node:net';
import { buildConnector, errors as undiciErrors } from 'undici';
import { KeaError, type ErrorCode } from '../errors.js';
import { REFUSAL_BODY_BYTES } from '../kea/answer.js';

/** Node/OpenSSL codes of a TLS failure: a certificate we refuse, or an alert the server sent. */
const TLS_ERROR = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;
/** An alert from the server, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED. */
const ALERT = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/;
/** What an alert says to an operator: the certificate settings to look at. */
const ALERT_HINTS: Readonly<Record<string, string>> = {
  CERTIFICATE_REQUIRED: 'the server requires a client certificate (tls.cert, tls.key)',
  BAD_CERTIFICATE: 'the server rejected the client certificate',
  UNKNOWN_CA: "the server does not trust the client certificate's CA",
  CERTIFICATE_EXPIRED: 'the server rejected the client certificate as expired',
  HANDSHAKE_FAILURE: 'the server refused the handshake (client certificate or protocol)',
};

/** TLS errors the server's alert produced, by the socket error that then hid them: a TLS 1.3
 * server refuses a missing client certificate only after the handshake, with an alert; undici
 * then sees the peer close and fails the request with "other side closed", which it emits on
 * the socket after the alert's error. */
const hiddenTls = new WeakMap<object, NodeJS.ErrnoException>();

/** undici's TLS connector, remembering an alert that a later socket error would hide. */
export function tlsConnector(opts: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(opts);
  return (options, callback) => {
    connect(options, (err, socket) => {
      if (socket) watchTls(socket);
      (callback as (e: Error | null, s: Socket | null) => void)(err, socket);
    });
  };
}

function watchTls(socket: Socket): void {
  let tls: NodeJS.ErrnoException | undefined;
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (typeof err.code === 'string' && TLS_ERROR.test(err.code)) tls ??= err;
    else if (tls && typeof err === 'object') hiddenTls.set(err, tls);
  });
}

/** A TLS failure's message: the code and what it means, never a certificate's content
 * (Node's own short text for a certificate we refuse; OpenSSL's long one for an alert is not). */
export function tlsMessage(code: string, what: string, message?: string): string {
  const alert = ALERT.exec(code)?.[1];
  if (alert === undefined) return `${what}: TLS: ${code}${message && !message.includes(':error:') ? ` ${message}` : ''}`;
  const hint = ALERT_HINTS[alert] ?? 'the server refused the connection';
  return `${what}: TLS: ${hint} (alert ${alert.toLowerCase().replace(/_/g, ' ')}, ${code})`;
}

/** One classification of what undici threw, for the whole request and the proxy's stream.
 * `network`: the code of another failure that carries a code (connect before any answer,
 * closed while reading one); `noCode`: of one without (the exporter's own bug for request()). */
export function classifyHttpError(err: unknown, what: string, network: 'connect' | 'closed' = 'connect', noCode: ErrorCode = 'internal'): KeaError {
  if (err instanceof KeaError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const tls = hiddenTls.get(e) ?? (e.cause !== undefined && typeof e.cause === 'object' ? hiddenTls.get(e.cause) : undefined);
  const code = tls?.code ?? (typeof e.code === 'string' ? e.code : (e.cause?.code ?? ''));
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new KeaError('timeout', `${what}: no complete answer (${code})`, { cause: err });
  }
  if (err instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return new KeaError('too_large', `${what}: answer exceeds the size cap`, { cause: err });
  }
  if (TLS_ERROR.test(code)) return new KeaError('tls', tlsMessage(code, what, (tls ?? e).message), { cause: tls ?? err });
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return new KeaError('closed', `${what}: connection closed mid-answer`, { cause: err });
  }
  if (code) return new KeaError(network, `${what}: ${code}`, { cause: err });
  return new KeaError(noCode, `${what}: ${typeof e.message === 'string' ? e.message : 'unexpected failure'}`, { cause: err });
}

/** Up to REFUSAL_BODY_BYTES of a refusal's body; undefined when longer or unreadable. */
export async function readRefusal(
  body: AsyncIterable<unknown> & { destroy(): unknown; on?(ev: 'error', fn: () => void): unknown },
): Promise<string | undefined> {
  body.on?.('error', () => {}); // destroying it below must not throw out of the stream
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > REFUSAL_BODY_BYTES) {
        body.destroy();
        return undefined;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
