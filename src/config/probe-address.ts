/** Addresses given to GET /probe?target= (not names from the file), and the `probe.allow`
 * patterns they must match. Pure: no I/O. An address is normalised before it is matched, so one
 * daemon has one spelling (one state, one queue) and a pattern cannot be slipped past with
 * `..`, a default port, upper case or credentials. */
import path from 'node:path';

/** Longer target parameters are refused unread (a URL or socket path is far shorter). */
export const MAX_ADDRESS_LENGTH = 1024;
/** sun_path is 108 bytes with its NUL. */
const MAX_SOCKET_BYTES = 107;

export type ProbeAddress = { kind: 'socket'; socket: string } | { kind: 'url'; url: string };

/** The address in its one spelling, or why it is not one (safe to answer: no part of it). */
export function parseProbeAddress(text: string): ProbeAddress | { invalid: string } {
  if (text.length > MAX_ADDRESS_LENGTH) return { invalid: `longer than ${MAX_ADDRESS_LENGTH} characters` };
  if (text.startsWith('/')) {
    if (text.includes('\0') || path.posix.normalize(text) !== text || text.endsWith('/')) return { invalid: 'a socket path must be absolute and normalised' };
    if (Buffer.byteLength(text) > MAX_SOCKET_BYTES) return { invalid: `a socket path has at most ${MAX_SOCKET_BYTES} bytes` };
    return { kind: 'socket', socket: text };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { invalid: 'neither an absolute socket path nor a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { invalid: 'a URL must be http: or https:' };
  if (url.username !== '' || url.password !== '') return { invalid: 'a URL must not carry credentials (modules do)' };
  if (url.search !== '' || url.hash !== '') return { invalid: 'a URL must not have a query or fragment' };
  return { kind: 'url', url: url.href };
}

/** The spelling an address is matched and keyed by. */
export function addressText(a: ProbeAddress): string {
  return a.kind === 'socket' ? a.socket : a.url;
}

/** A pattern of `probe.allow`: a socket path or an http(s) URL, written as it is normalised,
 * where `*` stands for part of one path segment (never `/`) and, in a URL's host and port, for
 * part of one name label (never `.`, `:` or `@`): `/run/kea/*`, `https://kea-*.example.net:8000/`,
 * `http://10.1.*.*:8000/`. */
export function allowPatternProblem(pattern: string): string | undefined {
  // A stand-in for each '*' that the parser takes: a letter, a digit in a port.
  const end = authorityEnd(pattern);
  const port = /:[\d*]+$/.exec(pattern.slice(0, end));
  const bare = [...pattern].map((c, i) => (c !== '*' ? c : port && i > port.index && i < end ? '1' : 'x')).join('');
  const parsed = parseProbeAddress(bare);
  if ('invalid' in parsed) return `not an address pattern: ${parsed.invalid}`;
  if (addressText(parsed) !== bare) return 'write it as it is normalised (lower-case host, no default port, a path: "http://host:8000/")';
  return undefined;
}

/** Where a URL's host and port end (the first '/' after "scheme://"); 0 for a socket path. */
function authorityEnd(pattern: string): number {
  if (pattern.startsWith('/')) return 0;
  const slash = pattern.indexOf('/', pattern.indexOf('//') + 2);
  return slash < 0 ? pattern.length : slash;
}

const compiled = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const end = authorityEnd(pattern);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    source += c !== '*' ? escape(c) : i < end ? '[^/.:@]*' : '[^/]*';
  }
  re = new RegExp(`^${source}$`);
  if (compiled.size < 10_000) compiled.set(pattern, re); // patterns come from the file: few
  return re;
}

/** Whether any pattern allows the (normalised) address. */
export function allowed(patterns: readonly string[], address: ProbeAddress): boolean {
  const text = addressText(address);
  return patterns.some((p) => toRegExp(p).test(text));
}
