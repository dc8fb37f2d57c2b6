import { createHash } from 'node:crypto';
import { KeaError } from '../errors.js';

/** Kea's own config hash rule (what config-hash-get answers on 2.4+): SHA-256, uppercase hex, of
 * config-get's `arguments` map exactly as Kea printed it, without its `"hash"` member. Works on
 * the raw answer text (a bare map or a one-element HTTP list), so a 2.2 daemon, which has no
 * config-hash-get, gets the value Kea's rule gives for the config it prints. Pure; one linear
 * pass, no recursion (the transport has already bounded the depth). */
export function keaConfigHash(body: string): string {
  const args = member(body, topMap(body), 'arguments');
  if (!args || body[args.valueStart] !== '{') throw new KeaError('bad_answer', 'config-get: no arguments map');
  const printed = withoutHash(body.slice(args.valueStart, args.valueEnd));
  return createHash('sha256').update(printed).digest('hex').toUpperCase();
}

interface Member {
  keyStart: number;
  key: string;
  valueStart: number;
  valueEnd: number;
}

const ws = (text: string, i: number): number => {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\t' || text[i] === '\r')) i++;
  return i;
};

/** Index of the answer map's `{`: the body itself, or a list's first element. */
function topMap(text: string): number {
  let i = ws(text, 0);
  if (text[i] === '[') i = ws(text, i + 1);
  if (text[i] !== '{') throw new KeaError('bad_answer', 'config-get: answer is not a map');
  return i;
}

/** End (exclusive) of the string starting at i (a `"`). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  throw new KeaError('bad_answer', 'config-get: unterminated string');
}

/** End (exclusive) of the JSON value starting at i. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c !== '{' && c !== '[') {
    let j = i;
    while (j < text.length && !',}] \n\t\r'.includes(text[j]!)) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const d = text[j];
    if (d === '"') j = stringEnd(text, j) - 1;
    else if (d === '{' || d === '[') depth++;
    else if ((d === '}' || d === ']') && --depth === 0) return j + 1;
  }
  throw new KeaError('bad_answer', 'config-get: answer cut off');
}

/** The members of the map whose `{` is at `open`, as written. */
function members(text: string, open: number): Member[] {
  const out: Member[] = [];
  let i = ws(text, open + 1);
  while (text[i] === '"') {
    const keyEnd = stringEnd(text, i);
    const colon = ws(text, keyEnd);
    if (text[colon] !== ':') throw new KeaError('bad_answer', 'config-get: malformed map');
    const valueStart = ws(text, colon + 1);
    const end = valueEnd(text, valueStart);
    out.push({ keyStart: i, key: text.slice(i + 1, keyEnd - 1), valueStart, valueEnd: end });
    i = ws(text, end);
    if (text[i] !== ',') break;
    i = ws(text, i + 1);
  }
  return out;
}

function member(text: string, open: number, key: string): Member | undefined {
  return members(text, open).find((m) => m.key === key);
}

/** The map text with its `"hash"` member and that member's separator cut out (Kea prints it last:
 * keys are sorted and the daemon's root key is capitalised). */
function withoutHash(map: string): string {
  const all = members(map, 0);
  const k = all.findIndex((m) => m.key === 'hash');
  if (k < 0) return map; // 2.2: nothing to drop
  if (k > 0) return map.slice(0, all[k - 1]!.valueEnd) + map.slice(all[k]!.valueEnd);
  const next = all[1];
  return next ? map.slice(0, all[0]!.keyStart) + map.slice(next.keyStart) : '{  }';
}
