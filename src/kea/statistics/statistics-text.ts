import { answerOfBody } from '../answer.js';
import type { KeaAnswer } from '../types.js';
import { MAX_STAT_NAME_CHARS } from '../limits.js';
import { checkStatName, sharedScope, toValue, type StatColumns, type StatScope } from './parse.js';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, isIndex, isSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE, walkStatisticsText } from './walk-text.js';

/** A read's values as written: NaN for a statistic whose value is none (a string: never in the
 * columns returned; JSON has no NaN, and toValue never gives one). */
const NONE = NaN;

/** The text did not take the one shape Kea prints: read it the general way. */
class OtherShape extends Error {}
const OTHER = new OtherShape();

// The tokens of the one shape, strictly as JSON has them (sticky: matched at lastIndex).
const S = '[ \\t\\n\\r]*';
const STR = '"[^"\\\\\\u0000-\\u001f]*"';
const NUM = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?';
const NUMBER = new RegExp(NUM, 'y');
const STRING = new RegExp(STR, 'y');
/** From a name's closing quote to its newest value: `: [ [ `. */
const TO_VALUE = new RegExp(`${S}:${S}\\[${S}\\[${S}`, 'y');
/** From the newest value past the end of the statistic's list: its time, the older samples, and
 * the comma or brace after. */
const REST = new RegExp(`${S},${S}${STR}${S}\\](?:${S},${S}\\[${S}(?:${NUM}|${STR})${S},${S}${STR}${S}\\])*${S}\\]${S}[,}]`, 'y');
const PLAIN = new RegExp(`^[^"\\\\\\u0000-\\u001f]*$`);
/** No quote, backslash or control character (the name as the text writes it), and no array
 * index (JSON.parse puts those first, wherever they are): the fast way may take it in place. */
const isPlain = (name: string): boolean => PLAIN.test(name) && !isIndex(name);

function skipWs(t: string, i: number): number {
  while (isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** The end of the match of a sticky regex at i; OTHER when it does not match there. */
function sticky(re: RegExp, t: string, i: number): number {
  re.lastIndex = i;
  if (!re.test(t)) throw OTHER;
  return re.lastIndex;
}

/** A number token [from, to) as JSON.parse reads it: short integers summed, the rest by Number. */
function numberAt(t: string, from: number, to: number): number {
  if (to - from > 15) return Number(t.slice(from, to));
  const neg = t.charCodeAt(from) === 45;
  let n = 0;
  for (let i = neg ? from + 1 : from; i < to; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number(t.slice(from, to));
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/**
 * statistic-get-all of one daemon, poll after poll, read from Kea's text into columns. Kea prints
 * one shape: `{ "arguments": { "<name>": [ [ <value>, "<time>" ], ... ], ... }, "result": 0 }`
 * (an HTTP socket: in a list of one). Text of exactly that shape is checked and read in one pass
 * that builds nothing for a statistic met before but its value: its name is compared in place
 * with the last read's there (else looked up by name). Any other text is read the general way
 * (walkStatisticsText), which agrees with parseBody and parseStatistics (statistics-text.test.ts:
 * captures and fuzz).
 */
export class StatisticsTextReader {
  /** The scopes of the last read's statistics in order: Kea prints them in the same order every
   * time, so each is found at its place. What is held between reads: a statistic the last read
   * did not meet is forgotten. Most often also a snapshot's columns, so never written over: a
   * read that strays from it goes on in a list of its own. */
  private order: StatScope[] = [];
  /** This read's scopes so far: the last read's list while every statistic was at its place. */
  private scopes: StatScope[] = [];
  private values = new Float64Array(0);
  private count = 0;
  /** This read met a statistic whose value is none (not in the columns). */
  private none = false;
  /** This read's statistics by name, made when one is not at its place (a first read, a name
   * come or gone): those of the last read and those this one met so far. */
  private byName: Map<string, StatScope> | undefined;
  /** The statistics this read met so far, made with byName: one found by name may be met again
   * (met in place, it cannot: the last read's are distinct). */
  private met: Set<StatScope> | undefined;
  /** Statistics whose name is not plain (isPlain): read the general way only. Kea has none. */
  private odd = new Set<string>();
  /** Reads that took the general way (tests: Kea's own texts never should). */
  generalReads = 0;

  read(text: string, list: boolean, what: string): { answer: KeaAnswer; statistics: StatColumns } {
    try {
      return this.fast(text, list, what);
    } catch (err) {
      if (err !== OTHER) throw err;
    } finally {
      this.byName = undefined;
      this.met = undefined;
    }
    this.generalReads++;
    const { answer, newest } = walkStatisticsText(text, list, what);
    this.begin();
    try {
      if (newest) {
        for (const [name, raw] of newest) {
          const k = this.find(name, this.count) ?? this.add(name, this.count);
          this.put(k, toValue(raw) ?? NONE, this.order[this.count] !== k);
        }
      }
    } finally {
      this.byName = undefined;
    }
    this.odd = new Set([...this.odd].filter((name) => newest?.has(name)));
    return { answer, statistics: this.end() };
  }

  private begin(): void {
    this.scopes = this.order;
    this.values = new Float64Array(Math.max(this.order.length, 16));
    this.count = 0;
    this.none = false;
  }

  /** The next statistic of this read. `strayed`: not the one the last read had at this place. */
  private put(k: StatScope, value: number, strayed: boolean): void {
    const n = this.count++;
    // The last read's list is a snapshot's: from the first stray on, a list of this read's own.
    if (strayed && this.scopes === this.order) this.scopes = this.order.slice(0, n);
    if (this.scopes !== this.order) this.scopes[n] = k;
    if (n === this.values.length) {
      const grown = new Float64Array(n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[n] = value;
    if (value !== value) this.none = true;
  }

  /** This read's columns (what the next read compares with). */
  private end(): StatColumns {
    const n = this.count;
    // Every statistic at its place: the last read's list; else one of its own size.
    this.order = this.scopes === this.order && n === this.order.length ? this.order : this.scopes.slice(0, n);
    const values = this.values.length === n ? this.values : this.values.slice(0, n);
    this.values = new Float64Array(0);
    this.scopes = [];
    const all = { scopes: this.order, values };
    if (!this.none) return all;
    // A statistic whose value is none is left out (Kea's have values): copies only then.
    const at: number[] = [];
    for (let i = 0; i < n; i++) if (values[i] === values[i]) at.push(i);
    return { scopes: at.map((i) => all.scopes[i]!), values: Float64Array.from(at, (i) => values[i]!) };
  }

  /** A statistic by name among the last read's and this one's so far (the first n). */
  private find(name: string, n: number): StatScope | undefined {
    if (!this.byName) {
      this.byName = new Map();
      this.met = new Set();
      for (const k of this.order) this.byName.set(k.name, k);
      for (let j = 0; j < n; j++) {
        const k = this.scopes[j]!;
        this.byName.set(k.name, k);
        this.met.add(k);
      }
    }
    return this.byName.get(name);
  }

  /** A statistic met for the first time: its scope shared with other daemons', its name a copy, so
   * that no slice of an answer's text (which would keep all of it) outlives the read. */
  private add(name: string, n: number): StatScope {
    checkStatName(name);
    const k = sharedScope(name);
    if (!isPlain(name)) this.odd.add(k.name);
    this.find(name, n);
    this.byName!.set(k.name, k);
    return k;
  }

  /** The arguments map from i (the one shape, or OTHER): its samples and statistics in order.
   * Returns the index after it. The hot loop: positions in locals, helpers at module level. */
  private args(t: string, i: number): number {
    const n = t.length;
    const last = this.order;
    const odd = this.odd.size > 0 ? this.odd : undefined;
    i = skipWs(t, i);
    if (t.charCodeAt(i) !== OPEN_BRACE) throw OTHER;
    i = skipWs(t, i + 1);
    if (t.charCodeAt(i) === CLOSE_BRACE) return i + 1;
    for (;;) {
      const met = this.count;
      if (t.charCodeAt(i) !== QUOTE) throw OTHER;
      const from = i + 1;
      // The statistic the last read had here, most often; else found by name.
      let k: StatScope | undefined = last[met];
      let strayed = false;
      if (k !== undefined && t.startsWith(k.name, from) && t.charCodeAt(from + k.name.length) === QUOTE && !odd?.has(k.name)) {
        i = from + k.name.length + 1;
        // Met twice in one answer: JSON.parse keeps the first place and the last value.
        if (this.met?.has(k)) throw OTHER;
      } else {
        for (i = from; i < n; i++) {
          const c = t.charCodeAt(i);
          if (c === QUOTE) break;
          if (c === BACKSLASH || c < 32) throw OTHER;
        }
        const to = i++;
        if (to >= n || to - from > MAX_STAT_NAME_CHARS) throw OTHER;
        const name = t.slice(from, to);
        strayed = true;
        k = this.find(name, met);
        if (!k) {
          // An array index: JSON.parse puts those first.
          if (isIndex(name)) throw OTHER;
          k = this.add(name, met);
        } else if (odd?.has(k.name) || this.met!.has(k)) throw OTHER; // read the general way before, or met twice
      }
      this.met?.add(k);
      // The regular expressions are run here, not through sticky(): this loop runs 35,000 times a
      // poll, mostly before the JIT has inlined anything.
      TO_VALUE.lastIndex = i;
      if (!TO_VALUE.test(t)) throw OTHER;
      i = TO_VALUE.lastIndex;
      let newest = NONE;
      const value = t.charCodeAt(i) === QUOTE ? STRING : NUMBER;
      value.lastIndex = i;
      if (!value.test(t)) throw OTHER;
      if (value === NUMBER) newest = numberAt(t, i, NUMBER.lastIndex);
      REST.lastIndex = value.lastIndex;
      if (!REST.test(t)) throw OTHER;
      i = REST.lastIndex;
      this.put(k, newest, strayed || k !== last[met]);
      // REST ends with the comma or brace after the statistic.
      if (t.charCodeAt(i - 1) === CLOSE_BRACE) return i;
      i = skipWs(t, i);
    }
  }

  /** The one shape, or OTHER. */
  private fast(t: string, list: boolean, what: string): { answer: KeaAnswer; statistics: StatColumns } {
    const n = t.length;
    let i = 0;
    const ws = () => {
      while (i < n && isSpace(t.charCodeAt(i))) i++;
    };
    const expect = (c: number) => {
      ws();
      if (t.charCodeAt(i) !== c) throw OTHER;
      i++;
    };
    /** A string without escapes or control characters; returns the index of its closing quote. */
    const plain = (): number => {
      expect(QUOTE);
      for (; i < n; i++) {
        const c = t.charCodeAt(i);
        if (c === QUOTE) return i++;
        if (c === BACKSLASH || c < 32) throw OTHER;
      }
      throw OTHER;
    };
    const number = (): number => {
      const end = sticky(NUMBER, t, i);
      const v = numberAt(t, i, end);
      i = end;
      return v;
    };
    this.begin();
    /** The answer map: arguments, result and text, in any order, each once. */
    const answer = (): KeaAnswer => {
      const body: { arguments?: null; result?: number; text?: string } = {};
      expect(OPEN_BRACE);
      for (;;) {
        ws();
        const from = i;
        const key = t.slice(from + 1, plain());
        if (key in body) throw OTHER;
        expect(COLON);
        if (key === 'arguments') {
          i = this.args(t, i);
          body.arguments = null;
        } else if (key === 'result') {
          ws();
          body.result = number();
        } else if (key === 'text') {
          ws();
          const start = i;
          body.text = t.slice(start + 1, plain());
        } else throw OTHER;
        ws();
        if (t.charCodeAt(i) === CLOSE_BRACE) break;
        expect(COMMA);
      }
      i++;
      if (body.arguments === undefined) throw OTHER;
      return answerOfBody(list ? [body] : body, list, what);
    };
    if (list) expect(OPEN_BRACKET);
    const a = answer();
    if (list) expect(CLOSE_BRACKET);
    ws();
    if (i !== n) throw OTHER;
    this.odd.clear(); // none of them in this one
    return { answer: a, statistics: this.end() };
  }
}
