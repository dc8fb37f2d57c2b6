import { hash, timingSafeEqual } from 'node:crypto';
import { isPasswordHash, looksLikePasswordHash } from '../config/password-hash.js';
import { verifyPassword } from './password.js';
import { BUSY, Gate, type Busy } from './throttle.js';

export { BUSY } from './throttle.js';

export interface UserCredential {
  name: string;
  role: string;
  /** A scrypt$ hash (kea-telemetry hash-password), or a plain secret (e.g. from ${ENV}). */
  password: string;
}

export interface TokenCredential {
  name: string;
  role: string;
  /** A plain secret, or "sha256$<64 hex>" of it. */
  token: string;
}

export interface Principal {
  name: string;
  role: string;
  method: 'basic' | 'bearer';
}

export type VerifyFn = (plain: string, stored: string) => Promise<boolean>;

/** Verified instead of a password when the user name is unknown (or its hash is broken), so
 * that every Basic attempt costs one scrypt and timing does not tell which names exist.
 * Random salt and key: no password verifies against it. */
const DUMMY_HASH = 'scrypt$16384$8$1$i8Qwk1Yf3lE2aXbMEcKdtA==$ZJ3kTHgkGJ2fD4nWa8pW9nI5Zk7V+oYy0tFjJ3hQjcA=';

type Secret = { kind: 'hash'; stored: string } | { kind: 'plain'; digest: Buffer } | { kind: 'broken' };

interface User {
  name: string;
  role: string;
  secret: Secret;
}

interface Token {
  name: string;
  role: string;
  /** undefined for a malformed sha256$ entry: it matches nothing. */
  digest: Buffer | undefined;
}

// One-shot hashes (no Hash object per call): the cache key is computed on every request.
const sha256 = (s: string): Buffer => hash('sha256', s, 'buffer');
const digestOf = (authorization: string): string => hash('sha256', authorization, 'base64');

/** The cache of headers that passed (Authenticator.verified): how long one is taken again
 * without a new scrypt, and how many are held (when full the whole map is dropped, so a flood of
 * distinct good credentials costs scrypt runs, never memory). */
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 10_000;
/** scrypt verifications at once, for the whole process: each takes one libuv thread and 16 MiB
 * for ~50-150 ms (N=16384, r=8; 154 ms measured on the 2-core test machine under load). Two
 * keep one core for everything else, and leave two of libuv's four threads to file and DNS. */
export const MAX_VERIFYING = 2;
/** Verifications queued behind those: at most 8 rounds, about 1 s of wait. Beyond, BUSY: a
 * flood of distinct credentials from many addresses is refused, not queued without bound. */
export const MAX_VERIFY_WAITING = 16;

/** One gate for the process, whatever number of Authenticators (servers, reloads) exist. */
const SCRYPT_GATE = new Gate(MAX_VERIFYING, MAX_VERIFY_WAITING);

export interface AuthenticatorOptions {
  /** For tests (counting scrypt calls); defaults to verifyPassword. */
  verify?: VerifyFn;
  /** For tests; defaults to the process-wide gate (MAX_VERIFYING, MAX_VERIFY_WAITING). */
  gate?: Gate;
}

export type AuthResult = Principal | undefined | Busy;

/** Authenticates the Authorization header of one request: Basic (RFC 7617) against users,
 * Bearer against tokens. A header that passed is remembered by its SHA-256 for 5 minutes
 * (repeating good credentials costs no second scrypt); concurrent requests with the same header
 * share one verification (single-flight); scrypt runs through one bounded gate for the process,
 * and a Basic attempt that finds it full is answered BUSY at once. */
export class Authenticator {
  private readonly users = new Map<string, User>();
  private readonly tokens: readonly Token[];
  private readonly verify: VerifyFn;
  private readonly gate: Gate;
  /** Verifications in progress, by header digest: what identical concurrent requests join. */
  private readonly inFlight = new Map<string, Promise<AuthResult>>();

  constructor(users: readonly UserCredential[], tokens: readonly TokenCredential[], options: AuthenticatorOptions = {}) {
    this.verify = options.verify ?? verifyPassword;
    this.gate = options.gate ?? SCRYPT_GATE;
    for (const u of users) {
      // The first entry of a name wins; config validation is where duplicates are refused.
      if (!this.users.has(u.name)) this.users.set(u.name, { name: u.name, role: u.role, secret: secretOf(u.password) });
    }
    this.tokens = tokens.map((t) => ({ name: t.name, role: t.role, digest: tokenDigest(t.token) }));
  }

  /** Headers that passed, by their SHA-256: a client repeating good credentials costs no
   * second scrypt. Wrong credentials have another digest, so they never hit it. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  /** The principal of this exact header when it passed within VERIFIED_TTL_MS: known at once,
   * no scrypt and no wait (every request of a client repeating good credentials after its first). */
  remembered(authorization: string | undefined): Principal | undefined {
    if (typeof authorization !== 'string') return undefined;
    const hit = this.verified.get(digestOf(authorization));
    return hit !== undefined && hit.until > Date.now() ? hit.principal : undefined;
  }

  /** True when this exact header passed recently or is being verified now: it costs no new
   * scrypt and is no new guess (the login throttle lets it through). */
  shared(authorization: string | undefined): boolean {
    if (typeof authorization !== 'string') return false;
    const key = digestOf(authorization);
    const hit = this.verified.get(key);
    return (hit !== undefined && hit.until > Date.now()) || this.inFlight.has(key);
  }

  /** The principal; undefined when the header is missing, malformed or the credentials are
   * wrong; BUSY when a scrypt verification was needed and the gate was full. Never rejects. */
  authenticate(authorization: string | undefined): Promise<AuthResult> {
    if (typeof authorization !== 'string') return Promise.resolve(undefined);
    const key = digestOf(authorization);
    const hit = this.verified.get(key);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.principal);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    // Registered before anything awaits, so a request arriving next joins this one.
    const verification = this.check(authorization)
      .catch(() => undefined)
      .then((result) => {
        if (result !== undefined && result !== BUSY) {
          if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
          this.verified.set(key, { principal: result, until: Date.now() + VERIFIED_TTL_MS });
        }
        this.inFlight.delete(key);
        return result;
      });
    this.inFlight.set(key, verification);
    return verification;
  }

  private async check(authorization: string): Promise<AuthResult> {
    // RFC 9110 credentials: auth-scheme 1*SP token68; the scheme is case-insensitive.
    const m = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+)$/.exec(authorization.trim());
    if (!m) return undefined;
    const scheme = m[1]!.toLowerCase();
    if (scheme === 'basic') return this.basic(m[2]!);
    if (scheme === 'bearer') return this.bearer(m[2]!);
    return undefined;
  }

  private async basic(encoded: string): Promise<AuthResult> {
    const pair = decodeBasic(encoded);
    if (!pair) return undefined;
    const [name, password] = pair;
    const user = this.users.get(name);
    // Unknown name, plain secret or broken hash: still one scrypt (on the dummy), result ignored.
    const stored = user?.secret.kind === 'hash' ? user.secret.stored : DUMMY_HASH;
    const verified = await this.gate.run(() => this.verify(password, stored));
    if (verified === BUSY) return BUSY;
    let ok = user?.secret.kind === 'hash' && verified;
    if (user?.secret.kind === 'plain') ok = timingSafeEqual(sha256(password), user.secret.digest);
    return ok && user ? { name: user.name, role: user.role, method: 'basic' } : undefined;
  }

  private async bearer(token: string): Promise<Principal | undefined> {
    const digest = sha256(token);
    let found: Token | undefined;
    // Every configured token is compared, with no early exit, so timing does not say which matched.
    for (const t of this.tokens) {
      const equal = timingSafeEqual(digest, t.digest ?? sha256(''));
      if (equal && t.digest && !found) found = t;
    }
    return found ? { name: found.name, role: found.role, method: 'bearer' } : undefined;
  }
}

function secretOf(password: string): Secret {
  if (looksLikePasswordHash(password)) {
    // Something that looks like a hash but does not parse must not become a plain password
    // equal to its own text: it matches nothing.
    return isPasswordHash(password) ? { kind: 'hash', stored: password } : { kind: 'broken' };
  }
  return { kind: 'plain', digest: sha256(password) };
}

function tokenDigest(token: string): Buffer | undefined {
  if (!token.startsWith('sha256$')) return sha256(token);
  const hex = token.slice('sha256$'.length);
  return /^[0-9a-fA-F]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

/** RFC 7617: base64 of user-id ":" password, UTF-8; the user-id has no ':', the password may.
 * Neither may hold control characters. */
function decodeBasic(encoded: string): [string, string] | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.toString('base64') !== encoded) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  // eslint-disable-next-line no-control-regex -- the control characters RFC 7617 forbids are what this refuses
  if (colon < 1 || /[\u0000-\u001f\u007f]/.test(text)) return undefined;
  return [text.slice(0, colon), text.slice(colon + 1)];
}
