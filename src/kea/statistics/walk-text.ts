import { answerOfBody } from '../answer.js';
import { checkJson } from '../json-scan.js';
import { KeaError } from '../../errors.js';
import type { KeaAnswer } from '../types.js';

/** statistic-get-all's answer: the answer map without its arguments, and each statistic's newest
 * value by name (undefined: the answer has no arguments map). */
export interface StatisticsText {
  answer: KeaAnswer;
  newest: Map<string, unknown> | undefined;
}

/**
 * Reads statistic-get-all's answer from Kea's text without building it: the general way, for
 * any text (the fast reader in statistics-text.ts falls back to it). The text is checked whole
 * first (checkJson: cut off, not JSON, too deep), so what follows walks valid JSON only. The
 * answer map is parsed by JSON.parse with its `arguments` value replaced by null; the arguments
 * are read straight from the text, one value per statistic (`[[value, time], ...]`: the first
 * number; anything else is kept as undefined, which is skipped, as parseStatistics skips such
 * entries of a parsed answer). Names and order are JSON.parse's: escapes decoded, a repeated name
 * keeps its first place and its last value, array-index names first in ascending order. list:
 * an HTTP list of one answer. Pure.
 */
export function walkStatisticsText(text: string, list: boolean, what: string): StatisticsText {
  checkJson(text, what);
  const w = new Walk(text);
  const small = w.top();
  let body: unknown;
  try {
    body = JSON.parse(small);
  } catch (err) {
    // Unreachable: null in place of a valid value leaves valid JSON.
    throw new KeaError('parse', `${what}: answer is not JSON (${err instanceof Error ? err.name : typeof err})`);
  }
  const answer = answerOfBody(body, list, what);
  return { answer, newest: w.args.get(list ? 0 : -1) };
}

/** JSON's structural characters, by code (shared with statistics-text.ts). */
export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
const MINUS = 45;

export const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** An array index as JSON.parse orders object keys: canonical decimal below 2^32 - 1. */
export const isIndex = (k: string): boolean => /^(?:0|[1-9][0-9]{0,9})$/.test(k) && Number(k) < 4294967295;

/** One pass over a valid JSON text: the top-level answer map(s) with their arguments cut out. */
class Walk {
  /** The newest values of the arguments of each answer map: -1 the top-level map, i the list's i-th. */
  readonly args = new Map<number, Map<string, unknown> | undefined>();
  private readonly t: string;

  constructor(t: string) {
    this.t = t;
  }

  /** The text with every answer map's `arguments` value replaced by null. */
  top(): string {
    const t = this.t;
    const cuts: [number, number][] = [];
    let i = this.ws(0);
    if (t.charCodeAt(i) === OPEN_BRACE) this.answer(i, -1, cuts);
    else if (t.charCodeAt(i) === OPEN_BRACKET) {
      i = this.ws(i + 1);
      for (let n = 0; this.more(i) && t.charCodeAt(i) !== CLOSE_BRACKET; n++) {
        i = t.charCodeAt(i) === OPEN_BRACE ? this.answer(i, n, cuts) : this.skip(i);
        i = this.ws(i);
        if (t.charCodeAt(i) === COMMA) i = this.ws(i + 1);
      }
    }
    if (cuts.length === 0) return t;
    let out = '';
    let from = 0;
    for (const [a, b] of cuts) {
      out += `${t.slice(from, a)}null`;
      from = b;
    }
    return out + t.slice(from);
  }

  /** An answer map at i: its members skipped, `arguments` read. Returns the index after it. */
  private answer(i: number, owner: number, cuts: [number, number][]): number {
    const t = this.t;
    i = this.ws(i + 1);
    while (this.more(i) && t.charCodeAt(i) !== CLOSE_BRACE) {
      const keyEnd = this.string(i);
      const key = this.key(i, keyEnd);
      const v = this.ws(this.ws(keyEnd) + 1); // past the colon
      let end: number;
      if (key === 'arguments') {
        const read = t.charCodeAt(v) === OPEN_BRACE ? this.newest(v) : { end: this.skip(v), newest: undefined };
        end = read.end;
        this.args.set(owner, read.newest); // a repeated key: JSON.parse keeps the last value
        cuts.push([v, end]);
      } else end = this.skip(v);
      i = this.ws(end);
      if (t.charCodeAt(i) === COMMA) i = this.ws(i + 1);
    }
    return i + 1;
  }

  /** The arguments map at i: each member's newest value. */
  private newest(i: number): { end: number; newest: Map<string, unknown> } {
    const t = this.t;
    const out = new Map<string, unknown>();
    let indexed = false;
    i = this.ws(i + 1);
    while (this.more(i) && t.charCodeAt(i) !== CLOSE_BRACE) {
      const keyEnd = this.string(i);
      const key = this.key(i, keyEnd);
      const v = this.ws(this.ws(keyEnd) + 1);
      let value: number | undefined;
      if (t.charCodeAt(v) === OPEN_BRACKET) {
        const first = this.ws(v + 1);
        if (t.charCodeAt(first) === OPEN_BRACKET) {
          const n = this.ws(first + 1);
          const c = t.charCodeAt(n);
          if (c === MINUS || isDigit(c)) value = this.number(n);
        }
      }
      // Map.set keeps a repeated key's first place and takes its last value, as JSON.parse does.
      out.set(key, value);
      if (!indexed && isDigit(key.charCodeAt(0)) && isIndex(key)) indexed = true;
      i = this.ws(this.skip(v));
      if (t.charCodeAt(i) === COMMA) i = this.ws(i + 1);
    }
    return { end: i + 1, newest: indexed ? indexFirst(out) : out };
  }

  /** A number token at i (valid JSON), as JSON.parse reads it. */
  private number(i: number): number {
    const t = this.t;
    let j = i;
    if (t.charCodeAt(j) === MINUS) j++;
    let n = 0;
    while (isDigit(t.charCodeAt(j))) n = n * 10 + (t.charCodeAt(j++) - 48);
    const c = t.charCodeAt(j);
    // Up to 15 digits and no fraction or exponent: exact as summed (below 2^53).
    if (j - i <= 15 && c !== 46 && c !== 101 && c !== 69) return t.charCodeAt(i) === MINUS ? -n : n;
    while (j < t.length && !isSpace(t.charCodeAt(j)) && t.charCodeAt(j) !== COMMA && t.charCodeAt(j) !== CLOSE_BRACKET && t.charCodeAt(j) !== CLOSE_BRACE) j++;
    return Number(t.slice(i, j));
  }

  /** A key's text: as written, or decoded by JSON.parse when it holds an escape. */
  private key(open: number, end: number): string {
    const raw = this.t.slice(open + 1, end - 1);
    return raw.includes('\\') ? (JSON.parse(this.t.slice(open, end)) as string) : raw;
  }

  /** The string whose opening quote is at i: the index after its closing quote. */
  private string(i: number): number {
    const t = this.t;
    for (;;) {
      const q = t.indexOf('"', i + 1);
      this.more(q);
      // A quote after an odd number of backslashes is escaped.
      let b = q - 1;
      while (t.charCodeAt(b) === BACKSLASH) b--;
      if ((q - 1 - b) % 2 === 0) return q + 1;
      i = q;
    }
  }

  /** The value at i: the index after it. */
  private skip(i: number): number {
    const t = this.t;
    const c = t.charCodeAt(i);
    if (c === QUOTE) return this.string(i);
    if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
      while (i < t.length) {
        const d = t.charCodeAt(i);
        if (isSpace(d) || d === COMMA || d === CLOSE_BRACKET || d === CLOSE_BRACE || d === COLON) break;
        i++;
      }
      return i;
    }
    let depth = 0;
    for (; this.more(i);) {
      const d = t.charCodeAt(i);
      if (d === QUOTE) {
        i = this.string(i);
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return i + 1;
      i++;
    }
    return i;
  }

  /** Whether i is inside the text: always, on the valid JSON checkJson let through; a walk that
   * ran off it is a bug here, refused as one rather than looping. */
  private more(i: number): boolean {
    if (i >= 0 && i < this.t.length) return true;
    throw new KeaError('internal', 'statistic-get-all: the answer text reader lost its place');
  }

  private ws(i: number): number {
    const t = this.t;
    while (isSpace(t.charCodeAt(i))) i++;
    return i;
  }
}

/** Array-index keys first, ascending, then the others in their order: JSON.parse's key order. */
function indexFirst(m: Map<string, unknown>): Map<string, unknown> {
  const index = [...m.keys()].filter(isIndex).sort((a, b) => Number(a) - Number(b));
  const out = new Map<string, unknown>(index.map((k) => [k, m.get(k)]));
  for (const [k, v] of m) if (!out.has(k)) out.set(k, v);
  return out;
}
