import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Authenticator, BUSY, type AuthResult, type Principal } from './auth.js';
import { Gate } from './throttle.js';
import { isPasswordHash } from '../config/password-hash.js';
import { hashPassword, verifyPassword } from './password.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

const TOKEN = 'tok-0123456789abcdef';
const STORED_TOKEN = 'grafana-secret-9876543210';

let auth: Authenticator;
let calls: string[];

before(async () => {
  calls = [];
  const counting = async (plain: string, stored: string) => {
    calls.push(stored);
    return verifyPassword(plain, stored);
  };
  auth = new Authenticator(
    [
      { name: 'admin', role: 'admin', password: await hashPassword('adm1n-pw') },
      { name: 'colon', role: 'read-only', password: await hashPassword('a:b::c:') },
      { name: 'plain', role: 'read-only', password: 'v1ewer-pw' },
      { name: 'broken', role: 'admin', password: 'scrypt$16384$8$1$nope$nope' },
      { name: 'admin', role: 'read-only', password: 'second-entry-ignored' },
    ],
    [
      { name: 'ci', role: 'admin', token: TOKEN },
      { name: 'grafana', role: 'read-only', token: `sha256$${sha256hex(STORED_TOKEN)}` },
      { name: 'bad-digest', role: 'admin', token: 'sha256$xyz' },
    ],
    { verify: counting },
  );
});

const ok = (p: AuthResult, name: string, role: string, method: Principal['method']) => assert.deepEqual(p, { name, role, method });

describe('Basic', () => {
  test('right passwords, hashed or plain; a password may hold colons', async () => {
    ok(await auth.authenticate(basic('admin', 'adm1n-pw')), 'admin', 'admin', 'basic');
    ok(await auth.authenticate(basic('colon', 'a:b::c:')), 'colon', 'read-only', 'basic');
    ok(await auth.authenticate(basic('plain', 'v1ewer-pw')), 'plain', 'read-only', 'basic');
  });

  test('the scheme is case-insensitive; extra spaces between scheme and credentials are fine', async () => {
    const creds = Buffer.from('admin:adm1n-pw').toString('base64');
    for (const h of [`basic ${creds}`, `BASIC ${creds}`, `bAsIc ${creds}`, `Basic   ${creds}`, ` Basic ${creds} `]) {
      ok(await auth.authenticate(h), 'admin', 'admin', 'basic');
    }
  });

  test('wrong credentials: undefined', async () => {
    for (const h of [
      basic('admin', 'nope'),
      basic('admin', ''),
      basic('admin', 'adm1n-pw '),
      basic('Admin', 'adm1n-pw'), // names are case-sensitive
      basic('ghost', 'adm1n-pw'),
      basic('plain', 'v1ewer-PW'),
      basic('plain', 'second-entry-ignored'),
      basic('admin', 'second-entry-ignored'), // the first entry of a name wins
      basic('broken', 'scrypt$16384$8$1$nope$nope'), // a broken hash is not a plain password
      basic('colon', 'a:b::c'),
    ]) {
      assert.equal(await auth.authenticate(h), undefined, h);
    }
  });

  test('missing or malformed headers: undefined', async () => {
    for (const h of [
      undefined,
      '',
      'Basic',
      'Basic ',
      `Basic ${Buffer.from('admin:adm1n-pw').toString('base64')} extra`,
      'Basic !!!not-base64!!!',
      `Basic ${Buffer.from('admin:adm1n-pw').toString('base64').replace(/=+$/, '')}X`,
      `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
      `Basic ${Buffer.from(':adm1n-pw').toString('base64')}`, // empty user-id
      `Basic ${Buffer.from('admin:adm1n\npw').toString('base64')}`, // control character
      `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`, // not UTF-8
      `Digest ${Buffer.from('admin:adm1n-pw').toString('base64')}`,
      `Basic:${Buffer.from('admin:adm1n-pw').toString('base64')}`,
      'adm1n-pw',
    ]) {
      assert.equal(await auth.authenticate(h), undefined, String(h));
    }
  });

  test('every failed Basic attempt costs exactly one scrypt: unknown names, plain secrets and broken hashes too', async (t) => {
    const cases = {
      'known user, wrong password': basic('admin', 'nope'),
      'unknown user': basic('ghost', 'nope'),
      'plain-secret user': basic('plain', 'nope'),
      'broken-hash user': basic('broken', 'nope'),
    };
    for (const [what, header] of Object.entries(cases)) {
      const durations: number[] = [];
      for (let i = 0; i < 3; i++) {
        calls.length = 0;
        const t0 = process.hrtime.bigint();
        await auth.authenticate(header);
        durations.push(Number(process.hrtime.bigint() - t0) / 1e6);
        assert.equal(calls.length, 1, what);
        // The dummy for names without a usable hash is a real hash of the same cost.
        assert.equal(isPasswordHash(calls[0]!), true, what);
        assert.match(calls[0]!, /^scrypt\$16384\$8\$1\$/, what);
      }
      // Wall time is only reported, never asserted (CI machines vary too much).
      t.diagnostic(`${what}: ${durations.map((d) => d.toFixed(1)).join(', ')} ms`);
    }
  });

  test('good credentials cost one scrypt once, then none; a wrong password is never served from that', async () => {
    const users = [{ name: 'admin', role: 'admin', password: await hashPassword('adm1n-pw') }];
    const fresh = new Authenticator(users, [], { verify: async (p, stored) => (calls.push(stored), verifyPassword(p, stored)) });
    calls.length = 0;
    assert.equal(((await fresh.authenticate(basic('admin', 'adm1n-pw'))) as Principal).name, 'admin');
    assert.equal(((await fresh.authenticate(basic('admin', 'adm1n-pw'))) as Principal).name, 'admin');
    assert.equal(calls.length, 1);
    assert.equal(fresh.shared(basic('admin', 'adm1n-pw')), true);
    assert.equal(await fresh.authenticate(basic('admin', 'adm1n-pw!')), undefined);
    assert.equal(fresh.shared(basic('admin', 'nope')), false);
    assert.equal(calls.length, 2);
  });

  test('remembered: only a header that passed is known at once (no verify); not one being verified, failed or never seen', async () => {
    const users = [{ name: 'admin', role: 'admin', password: await hashPassword('adm1n-pw') }];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fresh = new Authenticator(users, [{ name: 'ci', role: 'admin', token: TOKEN }], {
      verify: async (p, stored) => (await gate, calls.push(stored), verifyPassword(p, stored)),
    });
    const good = basic('admin', 'adm1n-pw');
    assert.equal(fresh.remembered(good), undefined);
    const pending = fresh.authenticate(good);
    assert.equal(fresh.remembered(good), undefined, 'being verified: shared, but not yet known');
    assert.equal(fresh.shared(good), true);
    release();
    ok(await pending, 'admin', 'admin', 'basic');
    calls.length = 0;
    ok(fresh.remembered(good), 'admin', 'admin', 'basic');
    assert.equal(calls.length, 0);
    assert.equal(await fresh.authenticate(basic('admin', 'wrong')), undefined);
    assert.equal(fresh.remembered(basic('admin', 'wrong')), undefined);
    assert.equal(fresh.remembered(undefined), undefined);
    assert.equal(fresh.remembered(`Bearer ${TOKEN}`), undefined);
    ok(await fresh.authenticate(`Bearer ${TOKEN}`), 'ci', 'admin', 'bearer');
    ok(fresh.remembered(`Bearer ${TOKEN}`), 'ci', 'admin', 'bearer');
  });
});

describe('concurrency', () => {
  test('identical concurrent headers share one verification; a failing verify answers undefined and is not remembered', async () => {
    const stored = await hashPassword('pw-1');
    let n = 0;
    let fail = true;
    const a = new Authenticator([{ name: 'u', role: 'admin', password: stored }], [], {
      verify: async (p, h) => {
        n++;
        if (fail) throw new Error('boom');
        return verifyPassword(p, h);
      },
      gate: new Gate(2, 0),
    });
    const header = basic('u', 'pw-1');
    const first = await Promise.all(Array.from({ length: 50 }, () => a.authenticate(header)));
    assert.ok(first.every((r) => r === undefined));
    assert.equal(n, 1);
    assert.equal(a.shared(header), false);
    fail = false;
    const second = await Promise.all(Array.from({ length: 50 }, () => a.authenticate(header)));
    assert.ok(second.every((r) => (r as Principal).name === 'u'));
    assert.equal(n, 2);
    assert.equal(a.shared(header), true);
  });

  test('a full gate: BUSY, not remembered, and no verify call', async () => {
    let n = 0;
    const a = new Authenticator([{ name: 'u', role: 'admin', password: await hashPassword('pw') }], [{ name: 't', role: 'admin', token: TOKEN }], {
      verify: async () => (n++, true),
      gate: new Gate(0, 0),
    });
    assert.equal(await a.authenticate(basic('u', 'pw')), BUSY);
    assert.equal(await a.authenticate(basic('ghost', 'pw')), BUSY);
    assert.equal(a.shared(basic('u', 'pw')), false);
    assert.equal(n, 0);
    // Bearer tokens need no scrypt: never busy.
    ok(await a.authenticate(`Bearer ${TOKEN}`), 't', 'admin', 'bearer');
  });
});

describe('Bearer', () => {
  test('a plain token and a sha256$-stored token; case-insensitive scheme', async () => {
    ok(await auth.authenticate(`Bearer ${TOKEN}`), 'ci', 'admin', 'bearer');
    ok(await auth.authenticate(`bearer ${TOKEN}`), 'ci', 'admin', 'bearer');
    ok(await auth.authenticate(`BEARER ${STORED_TOKEN}`), 'grafana', 'read-only', 'bearer');
  });

  test('wrong or malformed tokens: undefined, and no scrypt', async () => {
    calls.length = 0;
    for (const h of [
      'Bearer wrong-token-123456',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer sha256$${sha256hex(STORED_TOKEN)}`, // the stored digest is not the token
      'Bearer sha256$xyz', // a malformed digest entry matches nothing, not even its own text
      'Bearer ',
      'Bearer',
      `Bearer ${TOKEN} ${TOKEN}`,
      `Token ${TOKEN}`,
      TOKEN,
    ]) {
      assert.equal(await auth.authenticate(h), undefined, h);
    }
    assert.equal(calls.length, 0);
  });

  test('no users and no tokens: nobody gets in', async () => {
    const empty = new Authenticator([], []);
    assert.equal(await empty.authenticate(basic('admin', 'adm1n-pw')), undefined);
    assert.equal(await empty.authenticate(`Bearer ${TOKEN}`), undefined);
  });
});
