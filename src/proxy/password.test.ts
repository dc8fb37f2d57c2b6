import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { isPasswordHash } from '../config/password-hash.js';
import { hashPassword, verifyPassword } from './password.js';

test('hash then verify: the right password passes, a wrong one does not', async () => {
  const stored = await hashPassword('corr3ct horse:battery$staple');
  assert.equal(await verifyPassword('corr3ct horse:battery$staple', stored), true);
  for (const wrong of ['corr3ct horse:battery$stapl', 'Corr3ct horse:battery$staple', '', 'corr3ct horse:battery$staple ']) {
    assert.equal(await verifyPassword(wrong, stored), false, JSON.stringify(wrong));
  }
});

test('the format: scrypt$16384$8$1$<16-byte salt>$<32-byte key>, a fresh salt each time', async () => {
  const a = await hashPassword('same');
  const b = await hashPassword('same');
  const parts = a.split('$');
  assert.equal(parts.length, 6);
  assert.deepEqual(parts.slice(0, 4), ['scrypt', '16384', '8', '1']);
  assert.equal(Buffer.from(parts[4]!, 'base64').length, 16);
  assert.equal(Buffer.from(parts[5]!, 'base64').length, 32);
  assert.notEqual(a, b);
  assert.equal(isPasswordHash(a), true);
  assert.equal(await verifyPassword('same', b), true);
});

test('non-ASCII passwords are hashed as UTF-8', async () => {
  const stored = await hashPassword('pässwörd-密码');
  assert.equal(await verifyPassword('pässwörd-密码', stored), true);
  assert.equal(await verifyPassword('passwörd-密码', stored), false);
});

test('other scrypt costs in a stored hash are honoured', async () => {
  // A cheaper hash (N=1024) made directly with node:crypto, as an older or newer default might be.
  const salt = Buffer.alloc(16, 7);
  const key = scryptSync('pw', salt, 32, { N: 1024, r: 8, p: 1 });
  const stored = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
  assert.equal(await verifyPassword('pw', stored), true);
  assert.equal(await verifyPassword('pX', stored), false);
});

test('malformed stored hashes: false, never a throw', async () => {
  const good = await hashPassword('pw');
  const [, , , , salt, key] = good.split('$') as [string, string, string, string, string, string];
  const malformed = [
    '',
    'pw',
    'scrypt$',
    'scrypt$16384$8$1$',
    `scrypt$16384$8$1$${salt}`,
    `scrypt$16384$8$1$${salt}$${key}$extra`,
    `bcrypt$16384$8$1$${salt}$${key}`,
    `SCRYPT$16384$8$1$${salt}$${key}`,
    `scrypt$16383$8$1$${salt}$${key}`, // N not a power of two
    `scrypt$1$8$1$${salt}$${key}`,
    `scrypt$0$8$1$${salt}$${key}`,
    `scrypt$-16384$8$1$${salt}$${key}`,
    `scrypt$16384.0$8$1$${salt}$${key}`,
    `scrypt$0x4000$8$1$${salt}$${key}`,
    `scrypt$1073741824$8$1$${salt}$${key}`, // would need 1 TiB
    `scrypt$16384$0$1$${salt}$${key}`,
    `scrypt$16384$8$0$${salt}$${key}`,
    `scrypt$16384$8$1$$${key}`,
    `scrypt$16384$8$1$${salt}$`,
    `scrypt$16384$8$1$!!!notbase64!!!$${key}`,
    `scrypt$16384$8$1$${salt}$${key.slice(0, -1)}`, // padding gone
    `scrypt$16384$8$1$${salt} $${key}`,
    `scrypt$16384$8$1$AAAA$${key}`, // 3-byte salt
    `scrypt$16384$8$1$${salt}$AAAAAAAA`, // 6-byte key
  ];
  for (const stored of malformed) {
    assert.equal(isPasswordHash(stored), false, stored);
    assert.equal(await verifyPassword('pw', stored), false, stored);
  }
  // Not strings at all (a config typo reaching here through a cast): still false.
  assert.equal(await verifyPassword('pw', undefined as unknown as string), false);
  assert.equal(await verifyPassword(undefined as unknown as string, good), false);
  assert.equal(isPasswordHash(42 as unknown as string), false);
});
