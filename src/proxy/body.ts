import JSON5 from 'json5';
import { stripHashComments } from '../config/comments.js';
import { isObj } from '../kea/json.js';
import { RESULT } from '../kea/types.js';

export interface ProxiedCommand {
  command: string;
  service?: string[];
  arguments?: Record<string, unknown>;
}

/** Deepest `{`/`[` nesting a proxied body may have. The deepest real Kea config-get answer in
 * the captures (2.2.0, 2.6.3, 3.0.4; HA peers, hooks, pools with option-data) nests 10 levels,
 * 11 inside an HTTP list, so a config-set of any of them fits with room for deep user-contexts.
 * Beyond it, every later walk of the command (JSON.stringify in a transport, the audit line) is
 * a recursion an attacker could drive into a stack overflow: 5,000 levels fit in a 10 KB body. */
export const MAX_BODY_DEPTH = 64;

/** A name the proxy sends to Kea: Kea's own are lowercase words and digits with dashes. */
const COMMAND_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Keys Kea's parseCommand takes beside `command` (2.2 through 3.0). */
const KNOWN_KEYS = new Set(['command', 'arguments', 'service', 'remote-address']);

/** What a body is, told as a Control Agent tells it (texts of 2.6.3 and 3.0.4, recorded in
 * test/fixtures/kea/agent-answers/):
 * - `command`: one to run (`named: false` when its name is no Kea command name, which the
 *   proxy never sends to Kea: it answers "not supported" itself);
 * - `invalid`: JSON that is no command: the agent's HTTP 200 and one-element list;
 * - `refused`: not JSON (nor Kea-style commented JSON), nested past the bound, or a service
 *   list past MAX_SERVICES: HTTP 400 and the bare map. */
export type ParsedBody = { kind: 'command'; cmd: ProxiedCommand; named: boolean } | { kind: 'invalid'; result: number; text: string } | { kind: 'refused' };

const invalid = (text: string): ParsedBody => ({ kind: 'invalid', result: RESULT.error, text: `Error during command processing: invalid command: ${text}` });

/** Kea's name of a JSON value's type (Element::typeToName); `text` tells integer from real. */
function typeName(v: unknown, text: string): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return /[.eE]/.test(text) ? 'real' : 'integer';
  return typeof v; // string, boolean (map excluded by the caller)
}

/** A Kea command body as the Control Agent takes it, plus `//`, `/* *\/` and `#` comments
 * (kea-shell and files written for Kea's config parser use them; the agent itself answers 400).
 * Checks in the agent's order: the top level, `command`, unknown keys, then `service`. Pure;
 * its size is bounded by the caller (proxy.maxBodyBytes). */
export function parseBody(text: string, maxServices: number, maxDepth = MAX_BODY_DEPTH): ParsedBody {
  if (typeof text !== 'string' || !withinDepth(text, maxDepth)) return { kind: 'refused' };
  // The agent's HTTP layer hands an empty body on as no command at all.
  if (text === '') return { kind: 'invalid', result: RESULT.error, text: 'Command processing failed: NULL command parameter' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // Comments (or not JSON at all): the slower parser that knows Kea's comment styles.
    try {
      v = JSON5.parse(stripHashComments(text));
    } catch {
      return { kind: 'refused' };
    }
  }
  if (!isObj(v)) return invalid(`expected toplevel entry to be a map, got ${typeName(v, text)} instead`);
  if (!('command' in v)) return invalid("does not contain mandatory 'command'");
  // Kea names the type of the whole command here, always a map.
  if (typeof v.command !== 'string') return invalid("expected 'command' to be a string, got map instead");
  // Kea's map is sorted by key bytes: it names the first unknown one in that order.
  const unknown = Object.keys(v)
    .filter((k) => !KNOWN_KEYS.has(k))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (unknown.length > 0) return invalid(`unsupported parameter '${unknown[0]}'`);
  const cmd: ProxiedCommand = { command: v.command };
  if (v.service !== undefined) {
    if (!Array.isArray(v.service)) return { kind: 'invalid', result: RESULT.error, text: 'service value must be a list' };
    // Kea's text names the element's line and column, which this parser does not know.
    if (!v.service.every((s) => typeof s === 'string')) {
      return { kind: 'invalid', result: RESULT.error, text: 'Error during command processing: stringValue() called on non-string Element' };
    }
    // Repeats are folded into one command per daemon, but a list this long is no Kea request.
    if (v.service.length > maxServices) return { kind: 'refused' };
    if (v.service.length > 0) cmd.service = v.service;
  }
  if (v.arguments !== undefined) {
    // The agent passes any type on to the daemon; the proxy forwards maps only.
    if (!isObj(v.arguments)) return { kind: 'refused' };
    cmd.arguments = v.arguments;
  }
  return { kind: 'command', cmd, named: COMMAND_NAME.test(cmd.command) };
}

/** The command of a body, or undefined when it is none the proxy forwards. */
export function parseCommand(text: string, maxDepth = MAX_BODY_DEPTH): ProxiedCommand | undefined {
  const p = parseBody(text, Infinity, maxDepth);
  return p.kind === 'command' && p.named ? p.cmd : undefined;
}

/** true when no `{` or `[` outside strings and comments is nested deeper than `max`: one pass,
 * no allocation, before any parser runs. Strings (both quote styles, with escapes) and comments
 * (`//`, `/* *\/`, `#`) are skipped as stripHashComments and json5 read them, so the count is
 * the parsed value's depth for any body either parser accepts. Unbalanced closers only lower
 * the count: such text fails to parse anyway. */
export function withinDepth(text: string, max: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      // { [
      if (++depth > max) return false;
    } else if (c === 0x7d || c === 0x5d) {
      // } ]
      depth--;
    } else if (c === 0x22 || c === 0x27) {
      // " ': to the matching quote, skipping escaped characters.
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== c) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      i = j;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      // /* ... */
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 1;
    } else if ((c === 0x2f && text.charCodeAt(i + 1) === 0x2f) || c === 0x23) {
      // // or # to the end of the line
      while (i + 1 < n && !isLineEnd(text.charCodeAt(i + 1))) i++;
    }
  }
  return true;
}

const isLineEnd = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
