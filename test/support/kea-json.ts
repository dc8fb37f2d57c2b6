/** Kea's wire text, for fakes and fixture building: Kea prints `{ "a": 1, "b": [  ] }`
 * (sorted keys, spaces inside brackets, two spaces in empty ones), no trailing newline. */

/** A JSON fragment written verbatim: keeps `0.0` floats and 128-bit integers that a JS
 * number would change. */
export class KeaRaw {
  constructor(readonly text: string) {}
}

export function raw(text: string): KeaRaw {
  return new KeaRaw(text);
}

/** Serialize like Kea's Element::str(). */
export function keaStringify(value: unknown): string {
  if (value instanceof KeaRaw) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value); // same escapes as Kea
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[  ]';
    return `[ ${value.map(keaStringify).join(', ')} ]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (keys.length === 0) return '{  }';
    keys.sort(); // Kea maps are std::map: byte order
    const parts = keys.map((k) => `${JSON.stringify(k)}: ${keaStringify((value as Record<string, unknown>)[k])}`);
    return `{ ${parts.join(', ')} }`;
  }
  throw new TypeError(`cannot serialize ${typeof value}`);
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`Kea has no JSON for ${n}`);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6))); // Kea prints ~6 significant digits
}

export type ScanResult = { kind: 'more' } | { kind: 'complete'; text: string } | { kind: 'invalid'; text: string };

/** Finds the end of the first JSON object in a byte stream, as Kea's JSONFeed does:
 * it answers as soon as the braces balance and ignores whatever follows. */
export class JsonObjectScanner {
  private buf = '';
  private depth = 0;
  private started = false;
  private inString = false;
  private escaped = false;
  private pos = 0;

  get bytes(): number {
    return Buffer.byteLength(this.buf);
  }

  push(chunk: Buffer | string): ScanResult {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (; this.pos < this.buf.length; this.pos++) {
      const c = this.buf[this.pos];
      if (!this.started) {
        if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
        if (c !== '{') return { kind: 'invalid', text: `invalid first character ${c}` };
        this.started = true;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) return { kind: 'complete', text: this.buf.slice(0, this.pos + 1) };
      }
    }
    return { kind: 'more' };
  }
}
