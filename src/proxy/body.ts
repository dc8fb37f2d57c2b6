import JSON5 from 'json5';
import { stripHashComments } from '../config/comments.js';

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

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Kea command body as the Control Agent takes it, `//`, `/* *\/` and `#` comments allowed.
 * undefined when it is not one (the caller answers Kea's 400), including a body nested deeper
 * than `maxDepth`. Pure; its size is bounded by the caller (proxy.maxBodyBytes). */
export function parseCommand(text: string, maxDepth = MAX_BODY_DEPTH): ProxiedCommand | undefined {
  if (typeof text !== 'string' || !withinDepth(text, maxDepth)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // Comments (or not JSON at all): the slower parser that knows Kea's comment styles.
    try {
      v = JSON5.parse(stripHashComments(text));
    } catch {
      return undefined;
    }
  }
  if (!isObj(v) || typeof v.command !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(v.command)) return undefined;
  const cmd: ProxiedCommand = { command: v.command };
  if (v.service !== undefined) {
    if (!Array.isArray(v.service) || !v.service.every((s) => typeof s === 'string')) return undefined;
    if (v.service.length > 0) cmd.service = v.service as string[];
  }
  if (v.arguments !== undefined) {
    if (!isObj(v.arguments)) return undefined;
    cmd.arguments = v.arguments;
  }
  return cmd;
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
