/** POST /-/reload: off unless enabled (403, as Prometheus); when on, loopback clients or proxy
 * users/tokens with the admin role only; a failed reload answers 500 with its error alone. */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { hashPassword } from '../proxy/password.js';
import { isLoopback, LIFECYCLE_DISABLED, lifecycleRoutes, type LifecycleOptions, type ReloadAnswer } from './lifecycle.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN_TOKEN = 'admin-token-0123456789';
const VIEWER_TOKEN = 'viewer-token-0123456789';
let credentials: LifecycleOptions['credentials'];
before(async () => {
  credentials = {
    users: [
      { name: 'ops', password: 'plain-admin-pw', role: 'admin' },
      { name: 'hashed', password: await hashPassword('hashed-admin-pw'), role: 'admin' },
      { name: 'viewer', password: 'viewer-pw', role: 'read-only' },
    ],
    tokens: [
      { name: 'ci', token: ADMIN_TOKEN, role: 'admin' },
      { name: 'grafana', token: VIEWER_TOKEN, role: 'read-only' },
    ],
  };
});

function server(result: ReloadAnswer | undefined) {
  const s = Fastify({ logger: false });
  const calls = { n: 0 };
  const reload = async () => (calls.n++, result!);
  lifecycleRoutes(s, { ...(result && { reload }), credentials });
  return { s, calls };
}
/** What App's reload reports: the route answers it whole. */
const OK = { ok: true as const, added: ['a'], removed: [], kept: 1, pendingRestart: [] };

test('isLoopback: 127.0.0.0/8 and ::1, also IPv4-mapped; nothing else', () => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3']) assert.ok(isLoopback(a), a);
  for (const a of [undefined, '', '10.0.0.1', '128.0.0.1', '::', '::2', '::ffff:10.0.0.1', '0.0.0.0', '1127.0.0.1', '127.0.0.1.nip.io', 'fe80::1']) {
    assert.ok(!isLoopback(a), String(a));
  }
});

test('off (no --web.enable-lifecycle): 403 "Lifecycle API is not enabled." from anywhere, even for an admin', async () => {
  const { s } = server(undefined);
  for (const remoteAddress of ['127.0.0.1', '10.0.0.1']) {
    const res = await s.inject({ method: 'POST', url: '/-/reload', remoteAddress, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.body, LIFECYCLE_DISABLED);
  }
});

describe('on', () => {
  test('a loopback client reloads without credentials', async () => {
    const { s, calls } = server(OK);
    for (const remoteAddress of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) {
      const res = await s.inject({ method: 'POST', url: '/-/reload', remoteAddress });
      assert.equal(res.statusCode, 200, remoteAddress);
      assert.deepEqual(res.json(), OK);
    }
    assert.equal(calls.n, 4);
  });

  test('from elsewhere: 401 without or with wrong credentials, 403 for another role, 200 for admin users and tokens', async () => {
    const { s, calls } = server(OK);
    const post = (authorization?: string, forwarded = false) =>
      s.inject({
        method: 'POST',
        url: '/-/reload',
        remoteAddress: '10.1.2.3',
        headers: { ...(authorization && { authorization }), ...(forwarded && { 'x-forwarded-for': '127.0.0.1' }) },
      });
    const none = await post();
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Basic realm=/);
    assert.equal((await post(undefined, true)).statusCode, 401, 'X-Forwarded-For is not believed');
    for (const bad of [basic('ops', 'wrong'), basic('nobody', 'plain-admin-pw'), 'Bearer not-a-token-at-all', 'Digest x', 'garbage']) {
      assert.equal((await post(bad)).statusCode, 401, bad);
    }
    assert.equal(calls.n, 0);
    for (const other of [basic('viewer', 'viewer-pw'), `Bearer ${VIEWER_TOKEN}`]) {
      const res = await post(other);
      assert.equal(res.statusCode, 403, other);
      assert.match(res.body, /admin role/);
    }
    assert.equal(calls.n, 0);
    for (const admin of [basic('ops', 'plain-admin-pw'), basic('hashed', 'hashed-admin-pw'), `Bearer ${ADMIN_TOKEN}`]) {
      assert.equal((await post(admin)).statusCode, 200, admin);
    }
    assert.equal(calls.n, 3);
  });

  test('credential checks in flight are bounded: beyond them 429, no scrypt', async () => {
    const { s, calls } = server(OK);
    const res = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.inject({ method: 'POST', url: '/-/reload', remoteAddress: '10.1.2.3', headers: { authorization: basic('hashed', `guess-${i}`) } }),
      ),
    );
    const codes = res.map((r) => r.statusCode);
    assert.ok(
      codes.every((c) => c === 401 || c === 429),
      codes.join(),
    );
    assert.ok(codes.filter((c) => c === 429).length >= 1, codes.join());
    assert.equal(calls.n, 0);
  });

  test('the body is not read before the client is allowed, and never needed', async () => {
    const { s, calls } = server(OK);
    const res = await s.inject({
      method: 'POST',
      url: '/-/reload',
      remoteAddress: '10.1.2.3',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    assert.equal(res.statusCode, 401);
    assert.equal(calls.n, 0);
  });

  test('a failed reload: 500 with the error alone', async () => {
    const { s } = server({ ok: false, error: 'c.yaml: poll.interval: invalid duration: expected e.g. 500ms, 5s, 1m, 1h, 1m30s (line 2)' });
    const res = await s.inject({ method: 'POST', url: '/-/reload' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { ok: false, error: 'c.yaml: poll.interval: invalid duration: expected e.g. 500ms, 5s, 1m, 1h, 1m30s (line 2)' });
  });
});
