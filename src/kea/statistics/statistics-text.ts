import { answerOfBody } from '../answer.js';
import type { KeaAnswer } from '../types.js';
import { MAX_STAT_NAME_CHARS } from '../limits.js';
import { sharedName, statSample, toValue, type StatSample } from './parse.js';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, isIndex, isSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE, walkStatisticsText } from './walk-text.js';

/** A statistic met before is its last sample: what the reader holds of it is nothing more (a
 * fleet's statistics are half a million). Its value undefined: none (never in `samples`); not
 * NaN, which would make V8 box every sample's value (a field that held a double). */
type Known = Omit<StatSample, 'value'> & { value: number | undefined };
const isSample = (k: Known): k is StatSample => k.value !== undefined;

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
 * statistic-get-all of one daemon, poll after poll, read from Kea's text. Kea prints one shape:
 * `{ "arguments": { "<name>": [ [ <value>, "<time>" ], ... ], ... }, "result": 0 }` (an HTTP
 * socket: in a list of one). Text of exactly that shape, checked token by token as it is read, is
 * read in one pass that builds nothing for a statistic met before whose value did not change:
 * its name is compared in place with the one the last read had there, and its sample object is
 * the last one (a name not at its place is looked up by name). Any
 * other text (escapes, other members, repeated or array-index names, another nesting, anything
 * not JSON) is read the general way (walkStatisticsText), which agrees with parseBody and
 * parseStatistics; statistics-text.test.ts holds both ways to them, on captures and fuzz.
 */
export class StatisticsTextReader {
  /** The statistics of the last read in order: Kea prints them in the same order every time, so
   * each is found at its place. What is held between reads: a statistic the last read did not
   * meet is forgotten. Most often also the last read's `samples` (a snapshot's), so never written
   * over: each read writes a list of its own, and `count` is how many entries it has met so far. */
  private order: Known[] = [];
  private count = 0;
  /** This read met a statistic whose value is none (not in `samples`). */
  private none = false;
  /** This read's statistics by name, made when one is not at its place (a first read, a name
   * come or gone): those of the last read and those this one met so far. */
  private byName: Map<string, Known> | undefined;
  /** The statistics this read met so far, made with byName: one found by name may be met again
   * (met in place, it cannot: the last read's are distinct). */
  private met: Set<Known> | undefined;
  /** Statistics whose name is not plain (isPlain): read the general way only. Kea has none. */
  private odd = new Set<string>();
  /** Reads that took the general way (tests: Kea's own texts never should). */
  generalReads = 0;

  read(text: string, list: boolean, what: string): { answer: KeaAnswer; samples: readonly StatSample[] } {
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
    const samples: StatSample[] = [];
    const order: Known[] = [];
    try {
      if (newest) {
        for (const [name, raw] of newest) {
          const k = this.sample(this.find(name, order, order.length) ?? this.add(name, order, order.length), raw);
          order.push(k);
          if (isSample(k)) samples.push(k);
        }
      }
    } finally {
      this.byName = undefined;
    }
    this.order = order.slice();
    this.odd = new Set([...this.odd].filter((name) => newest?.has(name)));
    return { answer, samples };
  }

  /** The statistic with this read's value: itself when the value is the same, else a copy (a
   * sample a snapshot holds never changes). */
  private sample(k: Known, raw: unknown): Known {
    const value = toValue(raw);
    if (k.value === value) return k;
    return { ...k, value };
  }

  /** A statistic by name among the last read's and this one's so far (the first n of `order`). */
  private find(name: string, order: readonly Known[], n: number): Known | undefined {
    if (!this.byName) {
      this.byName = new Map();
      this.met = new Set();
      for (const k of this.order) this.byName.set(k.name, k);
      for (let j = 0; j < n; j++) {
        this.byName.set(order[j]!.name, order[j]!);
        this.met.add(order[j]!);
      }
    }
    return this.byName.get(name);
  }

  /** A statistic met for the first time: its name copied (or shared with another daemon's), so
   * that no slice of an answer's text (which would keep all of it) outlives the read. */
  private add(name: string, order: readonly Known[], n: number): Known {
    const k: Known = statSample(name.length > MAX_STAT_NAME_CHARS ? name : sharedName(name), 0)!;
    k.value = undefined;
    if (!isPlain(name)) this.odd.add(k.name);
    this.find(name, order, n);
    this.byName!.set(k.name, k);
    return k;
  }

  /** The arguments map from i (the one shape, or OTHER): its samples and statistics in order.
   * Returns the index after it. The hot loop: positions in locals, helpers at module level. */
  private args(t: string, i: number, order: Known[]): number {
    const n = t.length;
    const last = this.order;
    const odd = this.odd.size > 0 ? this.odd : undefined;
    i = skipWs(t, i);
    if (t.charCodeAt(i) !== OPEN_BRACE) throw OTHER;
    i = skipWs(t, i + 1);
    if (t.charCodeAt(i) === CLOSE_BRACE) return i + 1;
    let met = 0;
    for (;;) {
      if (t.charCodeAt(i) !== QUOTE) throw OTHER;
      const from = i + 1;
      // The statistic the last read had here, most often; else found by name.
      let k: Known | undefined = last[met];
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
        k = this.find(name, order, met);
        if (!k) {
          // An array index: JSON.parse puts those first.
          if (isIndex(name)) throw OTHER;
          k = this.add(name, order, met);
        } else if (odd?.has(k.name) || this.met!.has(k)) throw OTHER; // read the general way before, or met twice
      }
      this.met?.add(k);
      // The regular expressions are run here, not through sticky(): this loop runs 35,000 times a
      // poll, mostly before the JIT has inlined anything.
      TO_VALUE.lastIndex = i;
      if (!TO_VALUE.test(t)) throw OTHER;
      i = TO_VALUE.lastIndex;
      let newest: number | undefined;
      const value = t.charCodeAt(i) === QUOTE ? STRING : NUMBER;
      value.lastIndex = i;
      if (!value.test(t)) throw OTHER;
      if (value === NUMBER) newest = numberAt(t, i, NUMBER.lastIndex);
      REST.lastIndex = value.lastIndex;
      if (!REST.test(t)) throw OTHER;
      i = REST.lastIndex;
      k = this.sample(k, newest);
      order[met++] = k;
      if (!isSample(k)) this.none = true;
      // REST ends with the comma or brace after the statistic.
      if (t.charCodeAt(i - 1) === CLOSE_BRACE) {
        this.count = met;
        return i;
      }
      i = skipWs(t, i);
    }
  }

  /** The one shape, or OTHER. */
  private fast(t: string, list: boolean, what: string): { answer: KeaAnswer; samples: readonly StatSample[] } {
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
    // Of the last read's size (holes until written): most often it is that list's size again.
    const order = new Array<Known>(this.order.length);
    this.count = 0;
    this.none = false;
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
          i = this.args(t, i, order);
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
    // A read that strayed (or the first): the list as a copy of its own size (grown one at a
    // time, it has up to half as much room again; cut short, holes).
    this.order = this.byName || order.length !== this.count ? order.slice(0, this.count) : order;
    this.odd.clear(); // none of them in this one
    // Every statistic with a value (as Kea's are): the snapshot holds the reader's own list.
    return { answer: a, samples: this.none ? this.order.filter(isSample) : (this.order as StatSample[]) };
  }
}
