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
  // Without arguments a command nests two levels (its service list): nothing to walk.
  if (cmd.arguments !== undefined && valueDepthExceeds(cmd, MAX_DEPTH))
    throw new KeaError('too_deep', `${what}: command nested deeper than ${MAX_DEPTH} levels`);
  try {
    return JSON.stringify(cmd);
  } catch (err) {
    throw new KeaError('internal', `${what}: command cannot be serialised (${err instanceof Error ? err.name : typeof err})`, { cause: err });
  }
}

/** Parses a complete body, telling an answer cut off mid-way (closed) from one that never was
 * JSON (parse) and one nested past MAX_DEPTH (too_deep). A JSON text nested too deep is refused
 * before JSON.parse builds anything; which of the three a failed body is, the scanner says
 * (checkJson), never the wording of JSON.parse's errors, which changes between V8 versions.
 * Messages say where, never what Kea sent. */
export function parseBody(text: string, what: string): unknown {
  // Nearly every answer is valid and shallow: a count of its brackets, then JSON.parse. Whatever
  // fails either is told apart by the full scan, as before; the count is a third of its cost on
  // a statistic-get-all (strings are most of the text, and indexOf skips them).
  if (!nestsPast(text, MAX_DEPTH)) {
    try {
      return JSON.parse(text);
    } catch {
      // told apart below
    }
  }
  checkJson(text, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    // Unreachable while the scanner and JSON.parse agree (a property test holds them to it).
    throw new KeaError('parse', `${what}: answer is not JSON (${err instanceof Error ? err.name : typeof err})`);
  }
}

/** Whether the brackets outside strings nest past `limit`: exact for a JSON text (JSON.parse
 * accepts it); for anything else an answer that means nothing, which parseBody does not take
 * (JSON.parse refuses the text, and the full scan decides). */
export function nestsPast(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // To the closing quote: the next one not escaped (preceded by an even run of backslashes).
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q < 0) return false;
        let b = q - 1;
        while (text.charCodeAt(b) === 92) b--;
        i = q;
        if ((q - 1 - b) % 2 === 0) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
