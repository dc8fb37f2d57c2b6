import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { formatPasswordHash, parsePasswordHash } from '../config/password-hash.js';

/** Hashes for proxy.users[].password, in the format of src/config/password-hash.ts. The cost of
 * new hashes; a stored hash carries its own. */
const COST = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(plain, salt, KEY_BYTES, COST);
  return formatPasswordHash({ ...COST, salt, hash });
}

/** false for a wrong password and for a stored string that is not a hash this module made:
 * never throws, whatever either argument holds. */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  const h = parsePasswordHash(stored);
  if (!h || typeof plain !== 'string') return false;
  try {
    const derived = await derive(plain, h.salt, h.hash.length, h);
    return timingSafeEqual(derived, h.hash);
  } catch {
    return false;
  }
}

function derive(plain: string, salt: Buffer, keylen: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 2 * 128 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(plain, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}
