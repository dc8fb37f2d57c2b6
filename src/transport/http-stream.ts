import { errors as undiciErrors, type Pool } from 'undici';
import { KeaError } from '../errors.js';
import type { KeaCommand } from '../kea/types.js';
import { serializeCommand } from './transport.js';
import { STREAM_HIGH_WATER_MARK, abortReason, iteratorStream, type AnswerStream } from './stream.js';

const TLS_ERROR = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

export interface HttpStreamTarget {
  pool: Pool;
  path: string;
  headers: Record<string, string>;
  /** For messages (logs only, never a client's answer). */
  url: string;
}

/** One command to a Control Agent or Kea 3 HTTP socket, its answer streamed: resolves once the
 * status line is in (401/403/other than 200 reject here, their small body discarded), then
 * reads the body on demand through the pool's connection (the pool bounds connections). */
export async function httpStream(t: HttpStreamTarget, cmd: KeaCommand, signal: AbortSignal, maxBytes: number): Promise<AnswerStream> {
  const what = `${cmd.command} at ${t.url}${cmd.service ? ` (${cmd.service.join(',')})` : ''}`;
  if (signal.aborted) throw abortReason(signal, what);
  // Depth-checked before anything is sent (too_deep, or internal), as for request().
  const text = serializeCommand(cmd, what);
  let res;
  try {
    res = await t.pool.request({
      path: t.path, method: 'POST', headers: t.headers, body: text, signal, highWaterMark: STREAM_HIGH_WATER_MARK,
    });
  } catch (err) {
    throw signal.aborted ? abortReason(signal, what) : classify(err, what, 'connect');
  }
  const body = res.body;
  if (res.statusCode !== 200) {
    body.dump().catch(() => {});
    if (res.statusCode === 401) throw new KeaError('unauthorized', `${what}: HTTP 401 Unauthorized`);
    if (res.statusCode === 403) throw new KeaError('forbidden', `${what}: HTTP 403 Forbidden`);
    throw new KeaError('http_status', `${what}: HTTP ${res.statusCode}`);
  }
  body.on('error', () => {}); // reaches the reader through the iterator
  return iteratorStream(body[Symbol.asyncIterator](), () => body.destroy(), {
    maxBytes, what, signal, classify: (err) => classify(err, what, 'closed'),
  });
}

function classify(err: unknown, what: string, otherwise: 'connect' | 'closed'): KeaError {
  if (err instanceof KeaError) return err;
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code ?? '';
  if (err instanceof undiciErrors.ResponseExceededMaxSizeError) return new KeaError('too_large', `${what}: answer exceeds the size cap`, { cause: err });
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return new KeaError('timeout', `${what}: ${code}`, { cause: err });
  if (TLS_ERROR.test(code)) return new KeaError('tls', `${what}: TLS: ${code}`, { cause: err });
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return new KeaError('closed', `${what}: connection closed mid-answer`, { cause: err });
  return new KeaError(otherwise, `${what}: ${code || e.message}`, { cause: err });
}
