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
  const bare = pattern.replaceAll('*', 'x');
  const parsed = parseProbeAddress(bare);
  if ('invalid' in parsed) return `not an address pattern: ${parsed.invalid}`;
  if (addressText(parsed) !== bare) return 'write it as it is normalised (lower-case host, no default port, a path: "http://host:8000/")';
  return undefined;
}

const compiled = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  // Where the URL's host and port end: the first '/' after "scheme://".
  const authorityEnd = pattern.startsWith('/') ? 0 : pattern.indexOf('/', pattern.indexOf('//') + 2);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    source += c !== '*' ? escape(c) : i < authorityEnd ? '[^/.:@]*' : '[^/]*';
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
