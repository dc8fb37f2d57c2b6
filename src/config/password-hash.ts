/** The format of a hashed proxy.users[].password: `scrypt$N$r$p$<salt b64>$<hash b64>`,
 * self-describing so the cost can be raised later without breaking hashes already in
 * configuration files. Only the format: src/proxy/password.ts makes and verifies hashes. */
const PASSWORD_HASH_PREFIX = 'scrypt';
// scrypt needs 128·N·r bytes; anything past this bound in a stored hash is refused rather than
// letting a configuration line make each login allocate gigabytes.
const MAX_MEMORY = 256 * 1024 * 1024;

export interface PasswordHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

export function formatPasswordHash(h: PasswordHash): string {
  return [PASSWORD_HASH_PREFIX, h.N, h.r, h.p, h.salt.toString('base64'), h.hash.toString('base64')].join('$');
}

/** undefined for anything but a well-formed hash within the bounds; never throws. */
export function parsePasswordHash(stored: string): PasswordHash | undefined {
  if (typeof stored !== 'string') return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== PASSWORD_HASH_PREFIX) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(positiveInt);
  const salt = base64(parts[4]);
  const hash = base64(parts[5]);
  if (N === undefined || r === undefined || p === undefined || !salt || !hash) return undefined;
  // N a power of two above 1 (scrypt's own rule); bounds keep one verification cheap enough.
  if (N < 2 || (N & (N - 1)) !== 0 || 128 * N * r > MAX_MEMORY || r > 64 || p > 16) return undefined;
  if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return undefined;
  return { N, r, p, salt, hash };
}

/** Written as a hash (the prefix): one that then does not parse is a mistake, never a plain
 * password equal to its own text. */
export function looksLikePasswordHash(s: string): boolean {
  return s.startsWith(`${PASSWORD_HASH_PREFIX}$`);
}

export function isPasswordHash(s: string): boolean {
  return parsePasswordHash(s) !== undefined;
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
