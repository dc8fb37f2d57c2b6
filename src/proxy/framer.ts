import { KeaError } from '../errors.js';

/** 'answer': a UNIX socket's body, one answer map. 'list': an HTTP body (agent, Kea 3), a list
 * holding one answer map. */
export type Framing = 'answer' | 'list';

/** Deeper than this is refused (too_deep): the scanner keeps one byte per level. */
export const MAX_FRAME_DEPTH = 1000;

const OBJ = 1;
const ARR = 2;
// Phases of the body around the element.
const BEFORE = 0; // before the list (list) or the element (answer)
const IN_LIST = 1; // after `[`, before the element
const IN_ELEMENT = 2;
const AFTER_ELEMENT = 3;
const DONE = 4; // after `]` (list)
// What the element's own map (depth 1) expects next.
const KEY_OR_END = 0;
const KEY = 1;
const IN_KEY = 2;
const COLON = 3;
const VALUE = 4;
const SCALAR = 5;
const AFTER_VALUE = 6;

const isWs = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** Bytes of numbers and of true/false/null. */
const SCALAR_BYTES = new Uint8Array(256);
for (const c of '0123456789+-.eEtruefalsn') SCALAR_BYTES[c.charCodeAt(0)] = 1;
/** Byte classes below the element's own map. */
const SKIP = 1;
const QUOTE = 2;
const OPEN = 3;
const CLOSE = 4;
const CLASS = new Uint8Array(256);
for (const c of ' \t\n\r,:0123456789+-.eEtruefalsn') CLASS[c.charCodeAt(0)] = SKIP;
CLASS[0x22] = QUOTE;
CLASS[0x7b] = OPEN;
CLASS[0x5b] = OPEN;
CLASS[0x7d] = CLOSE;
CLASS[0x5d] = CLOSE;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const KEY_CAP = 64;
const VALUE_CAP = 32;

/**
 * Finds the one answer map in a Kea body as it streams past, without keeping it: push() hands
 * back the slices of each chunk that belong to the element (subarrays, no copy), and end()
 * returns the element's top-level `result` (Kea prints keys sorted, so it comes after the
 * arguments, at the end). It checks the structure (strings, brackets, the element's own
 * key/value layout, nothing but whitespace around it), not every token of the grammar deeper
 * down. Pure; throws KeaError (parse, closed, bad_answer, too_deep).
 */
export class ElementFramer {
  private phase = BEFORE;
  private depth = 0;
  private readonly stack = new Uint8Array(MAX_FRAME_DEPTH + 1);
  private inString = false;
  private escaped = false;
  private top = KEY_OR_END;
  private key: number[] = [];
  private keyTooLong = false;
  private valueIsResult = false;
  private value = '';
  private result: number | undefined;
  private seen = 0;
  private emitted = 0;

  constructor(
    private readonly framing: Framing,
    private readonly what: string,
  ) {}

  /** Bytes of the element handed back so far. */
  get bytes(): number {
    return this.emitted;
  }

  push(chunk: Buffer): Buffer[] {
    let start = this.phase === IN_ELEMENT ? 0 : -1;
    let end = chunk.length;
    const n = chunk.length;
    let backslash = -2; // next backslash at or after i: -2 not looked for yet, -1 none left
    let i = 0;
    while (i < n) {
      if (this.inString) {
        if (this.depth === 1 && this.top === IN_KEY) {
          this.keyByte(chunk[i++]!);
          continue;
        }
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        // Through a value string at once: to its closing quote or next backslash.
        const q = chunk.indexOf(0x22, i);
        if (backslash !== -1 && backslash < i) backslash = chunk.indexOf(0x5c, i);
        const next = q < 0 ? backslash : backslash < 0 ? q : Math.min(q, backslash);
        if (next < 0) break;
        if (next === backslash) this.escaped = true;
        else this.inString = false;
        i = next + 1;
        continue;
      }
      if (this.phase === IN_ELEMENT && this.depth > 1) {
        i = this.nested(chunk, i);
        continue;
      }
      const b = chunk[i++]!;
      if (this.phase === IN_ELEMENT) {
        if (this.elementByte(b)) {
          end = i;
          this.phase = AFTER_ELEMENT;
        }
        continue;
      }
      if (isWs(b)) continue;
      if (this.phase === BEFORE && this.framing === 'list') {
        if (b === 0x5b) this.phase = IN_LIST;
        else if (b === 0x7b) throw new KeaError('bad_answer', `${this.what}: expected a list, got a map`);
        else throw this.notJson(b);
      } else if (this.phase === BEFORE || this.phase === IN_LIST) {
        if (b !== 0x7b) {
          if (this.phase === IN_LIST && (b === 0x5d || b === 0x5b || b === 0x22 || SCALAR_BYTES[b])) {
            throw new KeaError('bad_answer', `${this.what}: expected one answer map in the list`);
          }
          throw this.notJson(b);
        }
        this.phase = IN_ELEMENT;
        this.depth = 1;
        this.stack[1] = OBJ;
        start = i - 1;
      } else if (this.phase === AFTER_ELEMENT && this.framing === 'list') {
        if (b === 0x5d) this.phase = DONE;
        else if (b === 0x2c) throw new KeaError('bad_answer', `${this.what}: expected 1 answer, got more`);
        else throw this.notJson(b);
      } else {
        throw new KeaError('parse', `${this.what}: answer is not JSON (bytes after its end)`);
      }
    }
    this.seen += n;
    if (start < 0 || end <= start) return [];
    this.emitted += end - start;
    return [start === 0 && end === n ? chunk : chunk.subarray(start, end)];
  }

  /** The hot path: bytes below the element's own map, outside strings. Returns where it stopped
   * (after a quote that opens a string, after the bracket back to depth 1, or the chunk's end). */
  private nested(chunk: Buffer, from: number): number {
    const stack = this.stack;
    let d = this.depth;
    let i = from;
    try {
      for (; i < chunk.length; i++) {
        const b = chunk[i]!;
        const c = CLASS[b]!;
        if (c === SKIP) continue;
        if (c === QUOTE) {
          this.inString = true;
          return i + 1;
        }
        if (c === OPEN) {
          if (d >= MAX_FRAME_DEPTH) throw new KeaError('too_deep', `${this.what}: answer nested deeper than ${MAX_FRAME_DEPTH}`);
          stack[++d] = b === 0x7b ? OBJ : ARR;
          continue;
        }
        if (c === CLOSE) {
          if (stack[d] !== (b === 0x7d ? OBJ : ARR)) throw this.notJson(b);
          if (--d === 1) {
            this.top = AFTER_VALUE;
            return i + 1;
          }
          continue;
        }
        throw this.notJson(b);
      }
      return i;
    } finally {
      this.depth = d;
    }
  }

  /** At the end of the body: the element's result code, or why there is none. */
  end(): number {
    const complete = this.phase === DONE || (this.framing === 'answer' && this.phase === AFTER_ELEMENT);
    if (!complete) {
      if (this.seen === 0) throw new KeaError('closed', `${this.what}: connection closed without an answer`);
      throw new KeaError('closed', `${this.what}: answer cut off after ${this.seen} bytes`);
    }
    if (this.result === undefined) throw new KeaError('bad_answer', `${this.what}: not a Kea answer (no integer result)`);
    return this.result;
  }

  private notJson(b: number): KeaError {
    return new KeaError('parse', `${this.what}: answer is not JSON (unexpected byte 0x${b.toString(16)})`);
  }

  private stringByte(b: number): void {
    if (this.escaped) this.escaped = false;
    else if (b === 0x5c) this.escaped = true;
    else if (b === 0x22) this.inString = false;
  }

  private keyByte(b: number): void {
    const closing = !this.escaped && b === 0x22;
    this.stringByte(b);
    if (!closing) {
      if (this.key.length < KEY_CAP) this.key.push(b);
      else this.keyTooLong = true;
      return;
    }
    let name: string | undefined;
    if (!this.keyTooLong) {
      const raw = Buffer.from(this.key).toString('utf8');
      try {
        name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      } catch {
        throw new KeaError('parse', `${this.what}: answer is not JSON (bad escape in a key)`);
      }
    }
    this.valueIsResult = name === 'result';
    this.top = COLON;
  }

  /** One byte of the element's own map (depth 1), outside strings; true when it closed the element. */
  private elementByte(b: number): boolean {
    if (this.top === SCALAR && !SCALAR_BYTES[b]) this.endScalar();
    if (isWs(b)) return false;
    switch (b) {
      case 0x22: // "
        this.inString = true;
        if (this.top === KEY || this.top === KEY_OR_END) {
          this.top = IN_KEY;
          this.key = [];
          this.keyTooLong = false;
        } else if (this.top === VALUE) {
          this.setResult(undefined);
          this.top = AFTER_VALUE;
        } else throw this.notJson(b);
        return false;
      case 0x7b: // {
      case 0x5b: // [  a nested value: nested() takes it from here
        if (this.top !== VALUE) throw this.notJson(b);
        this.setResult(undefined);
        this.depth = 2;
        this.stack[2] = b === 0x7b ? OBJ : ARR;
        return false;
      case 0x7d: // }
        if (this.top !== KEY_OR_END && this.top !== AFTER_VALUE) throw this.notJson(b);
        this.depth = 0;
        return true;
      case 0x3a: // :
        if (this.top !== COLON) throw this.notJson(b);
        this.top = VALUE;
        return false;
      case 0x2c: // ,
        if (this.top !== AFTER_VALUE) throw this.notJson(b);
        this.top = KEY;
        return false;
      default:
        if (!SCALAR_BYTES[b]) throw this.notJson(b);
        if (this.top === VALUE) {
          this.top = SCALAR;
          this.value = '';
        } else if (this.top !== SCALAR) throw this.notJson(b);
        if (this.value.length < VALUE_CAP) this.value += String.fromCharCode(b);
        else this.value = 'x'; // too long to be a result code
        return false;
    }
  }

  private endScalar(): void {
    this.top = AFTER_VALUE;
    if (!this.valueIsResult) return;
    const n = JSON_NUMBER.test(this.value) ? Number(this.value) : NaN;
    this.setResult(Number.isInteger(n) ? n : undefined);
  }

  /** JSON.parse keeps the last of duplicate keys; so does this. */
  private setResult(v: number | undefined): void {
    if (this.valueIsResult) this.result = v;
    this.valueIsResult = false;
  }
}
