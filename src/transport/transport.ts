import { KeaError } from '../errors.js';
import { valueDepthExceeds } from '../kea/depth.js';
import { checkJson } from '../kea/json-scan.js';
import { MAX_DEPTH } from '../kea/limits.js';
import type { KeaCommand } from '../kea/types.js';
import type { AnswerStream } from './stream.js';

/** One request/answer exchange with a Kea control channel. Implementations throw KeaError only,
 * and nothing thrown inside their callbacks escapes the request. */
export interface Transport {
  readonly kind: 'unix' | 'http';
  /** Resolves with the body as Kea sent it: an answer map (UNIX) or, over HTTP, a list or a
   * bare map. Text, so the proxy can pass Kea's exact numbers on (128-bit counters).
   * maxBytes: this command's answer cap (src/kea/limits.ts), below the transport's own. */
  request(cmd: KeaCommand, timeoutMs: number, maxBytes?: number): Promise<string>;
  close(): Promise<void>;
  /** The same exchange, its answer read as it arrives (the proxy); the signal bounds it. */
  stream(cmd: KeaCommand, signal: AbortSignal): Promise<AnswerStream>;
}

/** The command's wire text, made before any connection is opened: a command nested past
 * MAX_DEPTH (a proxied one: arguments are the client's) is refused with too_deep, and anything
 * else JSON.stringify throws on is `internal`; neither may escape into a socket callback. */
export function serializeCommand(cmd: KeaCommand, what: string): string {
  if (valueDepthExceeds(cmd, MAX_DEPTH)) throw new KeaError('too_deep', `${what}: command nested deeper than ${MAX_DEPTH} levels`);
  try {
    return JSON.stringify(cmd);
  } catch (err) {
    throw new KeaError('internal', `${what}: command cannot be serialised (${err instanceof Error ? err.name : typeof err})`, { cause: err });
  }
}

/** Parses a complete body, telling an answer cut off mid-way (closed) from one that never was
 * JSON (parse) and one nested past MAX_DEPTH (too_deep), by one scan of the text before
 * JSON.parse builds anything (checkJson). Messages say where, never what Kea sent. */
export function parseBody(text: string, what: string): unknown {
  checkJson(text, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    // Unreachable while the scanner and JSON.parse agree (a property test holds them to it).
    throw new KeaError('parse', `${what}: answer is not JSON (${err instanceof Error ? err.name : typeof err})`);
  }
}
