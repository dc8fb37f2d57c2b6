/** The login throttle and the scrypt gate under concurrency, through fastify inject(): attempts
 * count when they start, concurrent verifications are bounded for the process, and identical
 * credentials are verified once (issue 11, item 15). The injected verify blocks until the test
 * releases it, so what is in flight at once is exact, not a matter of timing. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { parseConfigText } from '../config/load.js';
import type { Config } from '../config/types.js';
import { Authenticator } from './auth.js';
import { hashPassword, verifyPassword } from './password.js';
import { proxyDeps, proxyRoutes } from './routes.js';
import { Gate } from './throttle.js';
import { stubSource } from '../../test/support/stub-source.js';

const MAX = 10;
let config: Config;
let viewerHash: string;

before(async () => {
  viewerHash = await hashPassword('v1ewer-pw');
  const yaml = `statistics: { enabled: false }
poll: { interval: 1h }
proxy:
  enabled: true
  rateLimit: { max: ${MAX}, window: 1h }
  users: [ { name: viewer, password: "${viewerHash}" } ]
targets: [ { name: k, socket: /nonexistent/k.sock, daemon: dhcp4 } ]`;
  config = parseConfigText(yaml, 'login.yaml');
});

/** A verify that counts calls and concurrency and waits for `open()`; then the real scrypt. */
function blockingVerify() {
  let open!: () => void;
  const gateOpen = new Promise<void>((r) => (open = r));
  const v = { calls: 0, running: 0, most: 0, open: () => open() };
  const verify = async (plain: string, stored: string) => {
    v.calls++;
    v.most = Math.max(v.most, ++v.running);
    await gateOpen;
    try {
      return await verifyPassword(plain, stored);
    } finally {
      v.running--;
    }
  };
  return { v, verify };
}

async function proxyWith(verify: (p: string, s: string) => Promise<boolean>, gate = new Gate(2, 16), rateMax = MAX): Promise<FastifyInstance> {
  const server = Fastify({ logger: false });
  // rateLimit.max is both the login throttle per address and the request limit per user.
  const proxy = { ...config.proxy, rateLimit: { ...config.proxy.rateLimit, max: rateMax } };
  // Only authentication is under test: a target that reaches no daemon.
  const source = stubSource({ config, targets: [{ name: 'k', config: { kind: 'socket' }, snapshots: () => [], endpointFor: () => undefined }] });
  const authenticator = new Authenticator(config.proxy.users, config.proxy.tokens, { verify, gate });
  await server.register(proxyRoutes, { ...proxyDeps(source), config: proxy, authenticator });
  await server.ready();
  return server;
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** Sends all at once; resolves when `expected` of them have answered (the others hang in the
 * blocked verify), with the answers so far and a promise of all. */
async function storm(server: FastifyInstance, headers: { authorization: string; address: string }[], expected: number) {
  const answered: LightMyRequestResponse[] = [];
  const all = headers.map(({ authorization, address }) =>
    server.inject({ method: 'GET', url: '/targets', headers: { authorization }, remoteAddress: address }).then((r) => (answered.push(r), r)),
  );
  // Each turn lets every request run to its next await: bounded by turns, not by time.
  for (let turn = 0; answered.length < expected && turn < 100_000; turn++) await new Promise((r) => setImmediate(r));
  return { answered: [...answered], all: Promise.all(all) };
}

const codes = (rs: LightMyRequestResponse[]) => rs.reduce<Record<number, number>>((m, r) => ((m[r.statusCode] = (m[r.statusCode] ?? 0) + 1), m), {});

test('2,000 concurrent wrong passwords from one address: `max` scrypt runs at most, 2 at a time, the rest 429 at once', async () => {
  const { v, verify } = blockingVerify();
  const server = await proxyWith(verify);
  const headers = Array.from({ length: 2000 }, (_, i) => ({ authorization: basic('viewer', `wrong-${i}`), address: '192.0.2.7' }));
  const { answered, all } = await storm(server, headers, 2000 - MAX);
  // Before any check has finished, all but `max` were refused: counted when they started.
  assert.deepEqual(codes(answered), { 429: 2000 - MAX });
  assert.ok(answered.every((r) => Number(r.headers['retry-after']) >= 1));
  assert.equal(v.calls, 2, 'two verifications running, the others waiting at the gate');
  v.open();
  const done = await all;
  assert.deepEqual(codes(done), { 401: MAX, 429: 2000 - MAX });
  assert.equal(v.calls, MAX);
  assert.equal(v.most, 2);
  // The address stays refused (those failures count), without any new scrypt.
  assert.equal((await server.inject({ url: '/targets', headers: { authorization: basic('viewer', 'again') }, remoteAddress: '192.0.2.7' })).statusCode, 429);
  assert.equal(v.calls, MAX);
  // A neighbour is not locked out.
  assert.equal(
    (await server.inject({ url: '/targets', headers: { authorization: basic('viewer', 'v1ewer-pw') }, remoteAddress: '192.0.2.8' })).statusCode,
    200,
  );
  await server.close();
});

test('2,000 concurrent identical valid, uncached requests: exactly one verification, all 200', async () => {
  const { v, verify } = blockingVerify();
  // A per-user request limit above 2,000, so that only authentication is under test.
  const server = await proxyWith(verify, new Gate(2, 16), 100_000);
  const headers = Array.from({ length: 2000 }, () => ({ authorization: basic('viewer', 'v1ewer-pw'), address: '192.0.2.9' }));
  const { answered, all } = await storm(server, headers, 0);
  assert.equal(answered.length, 0);
  assert.equal(v.calls, 1);
  v.open();
  assert.deepEqual(codes(await all), { 200: 2000 });
  assert.equal(v.calls, 1);
  // Cached now: the address's count was handed back, and no further scrypt.
  assert.equal(
    (await server.inject({ url: '/targets', headers: { authorization: basic('viewer', 'v1ewer-pw') }, remoteAddress: '192.0.2.9' })).statusCode,
    200,
  );
  assert.equal(v.calls, 1);
  await server.close();
});

test('2,000 concurrent identical wrong requests: one verification, all 401, counted once', async () => {
  const { v, verify } = blockingVerify();
  const server = await proxyWith(verify);
  const headers = Array.from({ length: 2000 }, () => ({ authorization: basic('viewer', 'nope'), address: '192.0.2.10' }));
  const { all } = await storm(server, headers, 0);
  v.open();
  assert.deepEqual(codes(await all), { 401: 2000 });
  assert.equal(v.calls, 1);
  // One failure counted: the address may still try max - 1 times.
  for (let i = 1; i < MAX; i++) {
    assert.equal((await server.inject({ url: '/targets', headers: { authorization: basic('viewer', `n${i}`) }, remoteAddress: '192.0.2.10' })).statusCode, 401);
  }
  assert.equal((await server.inject({ url: '/targets', headers: { authorization: basic('viewer', 'nx') }, remoteAddress: '192.0.2.10' })).statusCode, 429);
  await server.close();
});

test('2,000 distinct wrong passwords from 2,000 addresses: 2 verifications at once, 16 waiting, the rest 503 with Retry-After', async () => {
  const { v, verify } = blockingVerify();
  const server = await proxyWith(verify);
  const headers = Array.from({ length: 2000 }, (_, i) => ({ authorization: basic('viewer', `w${i}`), address: `10.0.${i >> 8}.${i & 255}` }));
  const { answered, all } = await storm(server, headers, 2000 - 18);
  assert.deepEqual(codes(answered), { 503: 2000 - 18 });
  for (const r of answered) {
    assert.equal(r.headers['retry-after'], '1');
    assert.deepEqual(r.json(), { result: 503, text: 'Service Unavailable' });
  }
  v.open();
  assert.deepEqual(codes(await all), { 401: 18, 503: 2000 - 18 });
  assert.equal(v.calls, 18);
  assert.equal(v.most, 2);
  await server.close();
});

test('refused as busy is no failed guess: an address refused 3 × max times is still not throttled', async () => {
  const { v, verify } = blockingVerify();
  v.open();
  const server = await proxyWith(verify, new Gate(0, 0));
  for (let i = 0; i < 3 * MAX; i++) {
    const r = await server.inject({ url: '/targets', headers: { authorization: basic('viewer', `b${i}`) }, remoteAddress: '192.0.2.11' });
    assert.equal(r.statusCode, 503, `attempt ${i}`);
  }
  assert.equal(v.calls, 0);
  await server.close();
});
