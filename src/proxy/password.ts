import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Password hashes for proxy.users[].password: `scrypt$N$r$p$<salt b64>$<hash b64>`, self-describing
 * so the cost can be raised later without breaking hashes already in configuration files. */
const PREFIX = 'scrypt';
const COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
// scrypt needs 128·N·r bytes; anything past this bound in a stored hash is refused rather than
// letting a configuration line make each login allocate gigabytes.
const MAX_MEMORY = 256 * 1024 * 1024;

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(plain, salt, KEY_BYTES, COST);
  return [PREFIX, COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** false for a wrong password and for a stored string that is not a hash this module made:
 * never throws, whatever either argument holds. */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h || typeof plain !== 'string') return false;
  try {
    const derived = await derive(plain, h.salt, h.hash.length, h);
    return timingSafeEqual(derived, h.hash);
  } catch {
    return false;
  }
}

export function isPasswordHash(s: string): boolean {
  return parse(s) !== undefined;
}

function parse(stored: string): Parsed | undefined {
  if (typeof stored !== 'string') return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(positiveInt);
  const salt = base64(parts[4]);
  const hash = base64(parts[5]);
  if (N === undefined || r === undefined || p === undefined || !salt || !hash) return undefined;
  // N a power of two above 1 (scrypt's own rule); bounds keep one verification cheap enough.
  if (N < 2 || (N & (N - 1)) !== 0 || 128 * N * r > MAX_MEMORY || r > 64 || p > 16) return undefined;
  if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return undefined;
  return { N, r, p, salt, hash };
}

function positiveInt(s: string | undefined): number | undefined {
  return s !== undefined && /^[1-9][0-9]{0,9}$/.test(s) ? Number(s) : undefined;
}

/** Canonical padded base64 only: Buffer.from would silently skip stray characters. */
function base64(s: string | undefined): Buffer | undefined {
  if (s === undefined || s === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

function derive(plain: string, salt: Buffer, keylen: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 2 * 128 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(plain, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}
