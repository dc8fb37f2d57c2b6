import { KeaError } from '../errors.js';
import type { KeaCommand } from '../kea/types.js';
import type { AnswerStream } from './stream.js';

/** One request/answer exchange with a Kea control channel. Implementations throw KeaError. */
export interface Transport {
  readonly kind: 'unix' | 'http';
  /** Resolves with the body as Kea sent it: an answer map (UNIX) or, over HTTP, a list or a
   * bare map. Text, so the proxy can pass Kea's exact numbers on (128-bit counters). */
  request(cmd: KeaCommand, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
  /** The same exchange, its answer read as it arrives (the proxy); the signal bounds it. */
  stream(cmd: KeaCommand, signal: AbortSignal): Promise<AnswerStream>;
}

/** Parses a complete body, telling an answer cut off mid-way (closed) from one that never was JSON (parse). */
export function parseBody(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (text.trim() === '') throw new KeaError('closed', `${what}: connection closed without an answer`);
    const pos = /position (\d+)/.exec(msg);
    const atEnd = /end of JSON|Unterminated/.test(msg) || (pos !== null && Number(pos[1]) >= text.trimEnd().length);
    if (atEnd) throw new KeaError('closed', `${what}: answer cut off after ${text.length} bytes`);
    throw new KeaError('parse', `${what}: answer is not JSON (${msg})`);
  }
}
