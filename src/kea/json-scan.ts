/** Tells, in one pass over JSON text and before anything is built, whether it is one complete
 * JSON text, a cut-off beginning of one, or something no JSON text starts with; and whether it
 * nests past a limit. The grammar is RFC 8259's, the one JSON.parse accepts, so the answer never
 * depends on the wording of a parser's errors. Never recurses (no input can overflow a stack).
 * Pure. */
import { KeaError } from '../errors.js';
import { MAX_DEPTH } from './limits.js';

export type JsonScan =
  /** One JSON value, whitespace around it at most: JSON.parse accepts it. */
  | { kind: 'complete' }
  /** A proper beginning of a JSON text (a body cut off); `empty`: nothing but whitespace. */
  | { kind: 'incomplete'; empty: boolean }
  /** No JSON text has this character here: its index (in UTF-16 units). */
  | { kind: 'invalid'; at: number }
  /** More than `limit` arrays/objects open at once, found before any other problem. */
  | { kind: 'too_deep' };

// What the text expects next, outside strings, numbers and literals.
const VALUE = 0;
const VALUE_OR_CLOSE = 1; // after '['
const KEY = 2; // after ',' in an object
const KEY_OR_CLOSE = 3; // after '{'
const COLON = 4;
const AFTER = 5; // after a value: ',' or a closer (or the end, at depth 0)

const OBJ = 1;
const ARR = 2;

/** Characters a backslash may precede in a string, besides 'u': " \ / b f n r t. */
const ESCAPES = new Uint8Array(128);
for (const c of '"\\/bfnrt') ESCAPES[c.charCodeAt(0)] = 1;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);

// The token scanners below return the index of the token's last character, END when the text
// ran out inside the token (or, for a number, where it could not end), or -1 - i for an invalid
// character at i.
const END = -1 >>> 0; // above any string index

/** From the character after an opening quote; returns the closing quote's index. */
function string(t: string, i: number, n: number): number {
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    // Most characters are none of the three below: one or two comparisons for them (hot loop).
    if (c > 92 || (c > 34 && c < 92) || c === 32 || c === 33) continue;
    if (c === 34) return i;
    if (c === 92) {
      if (++i === n) return END;
      const e = t.charCodeAt(i);
      if (e === 117) {
        // \uXXXX
        for (let k = 0; k < 4; k++) {
          if (++i === n) return END;
          if (!isHex(t.charCodeAt(i))) return -1 - i;
        }
      } else if (e >= 128 || ESCAPES[e] !== 1) return -1 - i;
    } else if (c < 32) return -1 - i;
  }
  return END;
}

/** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, from its first character. */
function number(t: string, i: number, n: number): number {
  if (t.charCodeAt(i) === 45 && ++i === n) return END; // '-'
  const first = t.charCodeAt(i);
  if (!isDigit(first)) return -1 - i;
  i++;
  if (first !== 48) while (i < n && isDigit(t.charCodeAt(i))) i++;
  if (i < n && t.charCodeAt(i) === 46) {
    // '.'
    if (++i === n) return END;
    if (!isDigit(t.charCodeAt(i))) return -1 - i;
    while (i < n && isDigit(t.charCodeAt(i))) i++;
  }
  if (i < n && (t.charCodeAt(i) | 0x20) === 101) {
    // 'e' 'E'
    if (++i === n) return END;
    const s = t.charCodeAt(i);
    if ((s === 43 || s === 45) && ++i === n) return END;
    if (!isDigit(t.charCodeAt(i))) return -1 - i;
    while (i < n && isDigit(t.charCodeAt(i))) i++;
  }
  return i - 1;
}

/** true, false or null, from its first character. */
function literal(t: string, i: number, n: number, word: string): number {
  for (let k = 1; k < word.length; k++) {
    if (i + k === n) return END;
    if (t.charCodeAt(i + k) !== word.charCodeAt(k)) return -1 - (i + k);
  }
  return i + word.length - 1;
}

/** Scans `text` as JSON (see JsonScan); `limit`: the arrays/objects that may be open at once. */
export function scanJson(text: string, limit: number): JsonScan {
  const n = text.length;
  const stack = new Uint8Array(limit + 2);
  let depth = 0;
  let state = VALUE;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    let end: number;
    switch (state) {
      case AFTER:
        if (c === 44 && depth > 0) {
          // ','
          state = stack[depth] === OBJ ? KEY : VALUE;
          continue;
        }
        if ((c === 93 && stack[depth] === ARR) || (c === 125 && stack[depth] === OBJ)) {
          // ']' '}'
          depth--;
          continue;
        }
        return { kind: 'invalid', at: i };
      case COLON:
        if (c !== 58) return { kind: 'invalid', at: i };
        state = VALUE;
        continue;
      case KEY_OR_CLOSE:
      case KEY:
        if (c === 125 && state === KEY_OR_CLOSE) {
          depth--;
          state = AFTER;
          continue;
        }
        if (c !== 34) return { kind: 'invalid', at: i };
        end = string(text, i + 1, n);
        if (end >= 0 && end !== END) state = COLON;
        break;
      default: // VALUE, VALUE_OR_CLOSE
        if (c === 34) end = string(text, i + 1, n);
        else if (c === 123 || c === 91) {
          // '{' '['
          if (++depth > limit) return { kind: 'too_deep' };
          stack[depth] = c === 123 ? OBJ : ARR;
          state = c === 123 ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
          continue;
        } else if (c === 93 && state === VALUE_OR_CLOSE) {
          // ']' of an empty list
          depth--;
          end = i;
        } else if (c === 45 || isDigit(c)) end = number(text, i, n);
        else if (c === 116) end = literal(text, i, n, 'true');
        else if (c === 102) end = literal(text, i, n, 'false');
        else if (c === 110) end = literal(text, i, n, 'null');
        else return { kind: 'invalid', at: i };
        if (end >= 0 && end !== END) state = AFTER;
    }
    if (end === END) return { kind: 'incomplete', empty: false };
    if (end < 0) return { kind: 'invalid', at: -1 - end };
    i = end;
  }
  if (state === AFTER && depth === 0) return { kind: 'complete' };
  return { kind: 'incomplete', empty: state === VALUE && depth === 0 };
}

/** Throws unless `text` is one complete JSON text nested at most `limit` deep, by one scan
 * (never by the wording of JSON.parse's errors, which changes between V8 versions): `closed` for
 * a body cut off, `parse` for one that never was JSON, `too_deep` past the limit. Messages say
 * where, never what Kea sent. */
export function checkJson(text: string, what: string, limit = MAX_DEPTH): void {
  const scan = scanJson(text, limit);
  if (scan.kind === 'too_deep') throw new KeaError('too_deep', `${what}: answer nested deeper than ${limit} levels`);
  if (scan.kind === 'incomplete') {
    if (scan.empty) throw new KeaError('closed', `${what}: connection closed without an answer`);
    throw new KeaError('closed', `${what}: answer cut off after ${Buffer.byteLength(text)} bytes`);
  }
  if (scan.kind === 'invalid') throw new KeaError('parse', `${what}: answer is not JSON (unexpected character at offset ${scan.at})`);
}
