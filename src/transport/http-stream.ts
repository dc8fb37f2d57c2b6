import type { Pool } from 'undici';
import type { KeaCommand } from '../kea/types.js';
import { httpRefusal } from '../kea/answer.js';
import { serializeCommand } from './transport.js';
import { STREAM_HIGH_WATER_MARK, abortReason, readableStream, type AnswerStream } from './stream.js';
import { classifyHttpError, readRefusal } from './http-errors.js';

export interface HttpStreamTarget {
  pool: Pool;
  path: string;
  headers: Record<string, string>;
  /** For messages (logs only, never a client's answer). */
  url: string;
}

/** One command to a Control Agent or Kea 3 HTTP socket, its answer streamed: resolves once the
 * status line is in (a status other than 200 rejects here, told by its small body as
 * request() tells it), then reads the body on demand through the pool's connection (the pool
 * bounds connections). */
export async function httpStream(t: HttpStreamTarget, cmd: KeaCommand, signal: AbortSignal, maxBytes: number): Promise<AnswerStream> {
  const what = `${cmd.command} at ${t.url}${cmd.service ? ` (${cmd.service.join(',')})` : ''}`;
  if (signal.aborted) throw abortReason(signal, what);
  // Depth-checked before anything is sent (too_deep, or internal), as for request().
  const text = serializeCommand(cmd, what);
  let res;
  try {
    res = await t.pool.request({
      path: t.path,
      method: 'POST',
      headers: t.headers,
      body: text,
      signal,
      highWaterMark: STREAM_HIGH_WATER_MARK,
    });
  } catch (err) {
    throw signal.aborted ? abortReason(signal, what) : classifyHttpError(err, what, 'connect', 'connect');
  }
  const body = res.body;
  if (res.statusCode !== 200) {
    const refusal = await readRefusal(body);
    if (signal.aborted) throw abortReason(signal, what);
    throw httpRefusal(res.statusCode, refusal, what);
  }
  return readableStream(body, () => body.destroy(), {
    maxBytes,
    what,
    signal,
    classify: (err) => classifyHttpError(err, what, 'closed', 'closed'),
  });
}
