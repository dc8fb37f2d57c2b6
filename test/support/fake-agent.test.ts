import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestCertificates, type TestCertificates } from './certs.js';
import { FakeAgent } from './fake-agent.js';
import { fixtureText, keaHandler } from './fake-kea.js';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function post(url: string, body: string, opts: https.RequestOptions = {}): Promise<Res> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'POST', agent: false, ...opts, headers: { 'Content-Type': 'application/json', ...opts.headers } }, (res) => {
      const bufs: Buffer[] = [];
      res.on('data', (c: Buffer) => bufs.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(bufs).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cmd = (command: string, service?: string[]): string => JSON.stringify(service ? { command, service } : { command });
const list = (r: Res): Array<Record<string, unknown>> => {
  const v: unknown = JSON.parse(r.body);
  assert.ok(Array.isArray(v), `expected a list, got ${r.body}`);
  return v as Array<Record<string, unknown>>;
};

describe('FakeAgent over HTTP', () => {
  let agent: FakeAgent;
  before(async () => {
    agent = await FakeAgent.start({
      services: {
        dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4', ha: 'primary', pid: 41 }),
        d2: keaHandler({ version: '2.2', daemon: 'd2', pid: 43 }),
      },
      offline: ['dhcp6'],
    });
  });
  after(() => agent.close());

  test('without service the agent answers for itself, in a list', async () => {
    const r = await post(agent.url, cmd('version-get'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.body, fixtureText('2.2.0/ca.version-get.json'));
  });

  test('one element per service, in request order', async () => {
    const r = list(await post(agent.url, cmd('status-get', ['d2', 'dhcp4'])));
    assert.equal(r.length, 2);
    assert.equal((r[0]!.arguments as Record<string, unknown>).pid, 43);
    assert.equal((r[1]!.arguments as Record<string, unknown>).pid, 41);
  });

  test('forwarded answers match the captures byte for byte', async () => {
    const r = await post(agent.url, cmd('config-hash-get', ['dhcp4']));
    assert.equal(r.body, fixtureText('2.2.0/ca.config-hash-get.dhcp4.json'));
  });

  test('unknown service and offline daemon', async () => {
    const unknown = await post(agent.url, cmd('status-get', ['dhcp9']));
    assert.equal(unknown.body, fixtureText('2.2.0/ca.status-get.unknown-service.json'));
    const r = list(await post(agent.url, cmd('status-get', ['dhcp4', 'dhcp6'])));
    assert.equal(r[0]!.result, 0);
    assert.deepEqual(r[1], {
      result: 1,
      text: 'unable to forward command to the dhcp6 service: No such file or directory. The server is likely to be offline',
    });
  });

  test('non-JSON body: HTTP 400 with a bare map, as captured', async () => {
    const r = await post(agent.url, 'this is garbage');
    assert.equal(r.status, 400);
    assert.equal(r.body, fixtureText('captures/2.6.3/ca.garbage-request.json'));
  });

  test('forbidden and error500 modes', async () => {
    agent.mode = 'forbidden';
    const f = await post(agent.url, cmd('status-get'));
    agent.mode = 'error500';
    const e = await post(agent.url, cmd('status-get'));
    agent.mode = 'normal';
    assert.equal(f.status, 403);
    assert.deepEqual(JSON.parse(f.body), { result: 403, text: 'Forbidden' });
    assert.equal(e.status, 500);
  });

  test('counts requests and the highest concurrency', async () => {
    agent.delayMs = 150;
    const before0 = agent.requests;
    await Promise.all(Array.from({ length: 4 }, () => post(agent.url, cmd('status-get', ['dhcp4']))));
    agent.delayMs = 0;
    assert.equal(agent.requests - before0, 4);
    assert.ok(agent.maxConcurrent >= 4);
  });
});

describe('FakeAgent basic auth', () => {
  let agent: FakeAgent;
  before(async () => {
    agent = await FakeAgent.start({ auth: { user: 'kea', password: 's3cret' } });
  });
  after(() => agent.close());
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

  test('missing or wrong credentials: 401 bare map', async () => {
    for (const headers of [{}, { Authorization: basic('kea', 'wrong') }]) {
      const r = await post(agent.url, cmd('status-get'), { headers });
      assert.equal(r.status, 401);
      assert.equal(r.body, '{ "result": 401, "text": "Unauthorized" }');
      assert.match(String(r.headers['www-authenticate']), /^Basic /);
    }
  });

  test('right credentials pass', async () => {
    const r = await post(agent.url, cmd('status-get'), { headers: { Authorization: basic('kea', 's3cret') } });
    assert.equal(r.status, 200);
    assert.equal(list(r)[0]!.result, 0);
  });
});

/** What real agents answered (test/support/record-agent-answers.ts). */
interface Recorded {
  name: string;
  body: string;
  contentType: string | null;
  status: number;
  answer: string;
}
const recorded = (v: string): Recorded[] => JSON.parse(readFileSync(new URL(`../fixtures/kea/agent-answers/${v}.json`, import.meta.url), 'utf8')) as Recorded[];

async function raw(url: string, body: string, contentType: string | null): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: contentType === null ? {} : { 'content-type': contentType }, body: Buffer.from(body) });
  return { status: res.status, body: await res.text() };
}

describe('FakeAgent refuses what real agents refuse, byte for byte (issue 12)', () => {
  for (const [v, version] of [
    ['2.2.0', '2.2'],
    ['2.6.3', '2.6'],
    ['3.0.4', '3.0'],
  ] as const) {
    test(`${v}: garbage, no Content-Type, {} and the other malformed commands`, async (t) => {
      const agent = await FakeAgent.start({
        self: keaHandler({ version, daemon: 'ca' }),
        services: { dhcp4: keaHandler({ version, daemon: 'dhcp4' }) },
      });
      t.after(() => agent.close());
      // Answers that carry a live daemon's state (pid, uptime) are not the fake's to match.
      const cases = recorded(v).filter((c) => !/"result": 0/.test(c.answer));
      assert.ok(cases.length >= 25, `${cases.length} cases`);
      for (const c of cases) {
        const r = await raw(agent.url, c.body, c.contentType);
        assert.deepEqual(r, { status: c.status, body: c.answer }, c.name);
      }
      // Only well-formed commands reach a handler (the agent itself or its dhcp4).
      assert.deepEqual(
        agent.commands.filter((c) => !['', 'no-such-command', 'Foo Bar', 'status-get'].includes(c)),
        [],
      );
    });
  }
});

describe('FakeAgent as a Kea 3.0 daemon socket', () => {
  test('garbage and a missing Content-Type: HTTP 400, as captured', async (t) => {
    const agent = await FakeAgent.start({ role: 'daemon' });
    t.after(() => agent.close());
    const garbage = await raw(agent.url, 'this is garbage', 'application/json');
    assert.deepEqual(garbage, { status: 400, body: fixtureText('captures/3.0.4/dhcp4-http.garbage-request.json') });
    const untyped = await raw(agent.url, cmd('status-get'), null);
    assert.deepEqual(untyped, { status: 400, body: fixtureText('captures/3.0.4/dhcp4-http.status-get.no-content-type.json') });
    assert.deepEqual(agent.commands, []);
  });

  test('answers for itself in a one-element list, whatever the service', async (t) => {
    const agent = await FakeAgent.start({ role: 'daemon' });
    t.after(() => agent.close());
    const r = await post(agent.url, cmd('version-get', ['dhcp4']));
    assert.equal(r.body, fixtureText('captures/3.0.4/dhcp4-http.version-get.json'));
  });
});

describe('FakeAgent over TLS', () => {
  let dir = '';
  let pki: TestCertificates;
  let other: TestCertificates;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-agent-tls-'));
    pki = makeTestCertificates(join(dir, 'a'));
    other = makeTestCertificates(join(dir, 'b'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const read = (p: string): Buffer => readFileSync(p);

  // Which code depends on whether the server sends its chain; both mean "not our CA".
  const untrusted = (err: NodeJS.ErrnoException): boolean => ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN'].includes(err.code ?? '');

  test('server certificate for 127.0.0.1 verifies against the CA only', async (t) => {
    const agent = await FakeAgent.start({ https: { key: read(pki.serverKey), cert: read(pki.serverCert) } });
    t.after(() => agent.close());
    assert.match(agent.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    const ok = await post(agent.url, cmd('status-get'), { ca: read(pki.caCert) });
    assert.equal(list(ok)[0]!.result, 0);
    await assert.rejects(post(agent.url, cmd('status-get')), untrusted);
    await assert.rejects(post(agent.url, cmd('status-get'), { ca: read(other.caCert) }), untrusted);
  });

  test('requestCert: a client certificate from the CA is required', async (t) => {
    // File paths work as well as PEM contents.
    const agent = await FakeAgent.start({
      https: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true },
    });
    t.after(() => agent.close());
    const ca = read(pki.caCert);
    const ok = await post(agent.url, cmd('status-get'), { ca, cert: read(pki.clientCert), key: read(pki.clientKey) });
    assert.equal(ok.status, 200);
    await assert.rejects(post(agent.url, cmd('status-get'), { ca }), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    // An untrusted client certificate: the server aborts the handshake (alert or reset).
    await assert.rejects(post(agent.url, cmd('status-get'), { ca, cert: read(other.clientCert), key: read(other.clientKey) }), (err: NodeJS.ErrnoException) =>
      /^(ECONNRESET|ERR_SSL_)/.test(err.code ?? ''),
    );
    assert.equal(agent.requests, 1, 'rejected handshakes never reach the handler');
  });
});
