/** The proxy on its own HTTPS listener with client certificates, and its per-user rate limit. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { buildProxyServer, buildServer } from '../server/server.js';
import { FakeKea, keaHandler } from '../../test/support/fake-kea.js';
import { makeTestCertificates, type TestCertificates } from '../../test/support/certs.js';

let dir: string;
let certs: TestCertificates;
let kea: FakeKea;
let app: App;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-tls-'));
  certs = makeTestCertificates(path.join(dir, 'pki'));
  kea = await FakeKea.start({ path: path.join(dir, 'k.sock'), handler: keaHandler({ version: '2.2', daemon: 'dhcp4' }) });
  const yaml = `statistics: { enabled: false }
proxy:
  enabled: true
  listen: "127.0.0.1:0"
  tls: { cert: ${certs.serverCert}, key: ${certs.serverKey}, clientCa: ${certs.caCert} }
  rateLimit: { max: 3, window: 1m }
  users: [ { name: u, password: secret-pw } ]
targets: [ { name: k, socket: ${kea.path}, daemon: dhcp4 } ]`;
  app = new App(parseConfigText(yaml, 'tls.yaml'), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
});

after(async () => {
  await app.stop();
  await kea.close();
  rmSync(dir, { recursive: true, force: true });
});

const AUTH = { authorization: `Basic ${Buffer.from('u:secret-pw').toString('base64')}` };

test('own HTTPS listener requiring client certificates; /metrics does not carry the proxy', async () => {
  const server = buildProxyServer(app);
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  try {
    const withCert = new Agent({ connect: { ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } });
    const r = await request(`${url}/targets/k/`, { method: 'POST', body: '{ "command": "version-get" }', headers: AUTH, dispatcher: withCert });
    assert.equal(r.statusCode, 200);
    assert.equal(((await r.body.json()) as { text: string }[])[0]!.text, '2.2.0');
    const noCert = new Agent({ connect: { ca: readFileSync(certs.caCert) } });
    const sent = kea.commands.length;
    await assert.rejects(
      request(`${url}/targets/k/`, { method: 'POST', body: '{ "command": "version-get" }', headers: AUTH, dispatcher: noCert }).then((x) => x.body.text()),
      // TLS 1.3 refuses after the handshake: the client sees the connection closed (undici) or the
      // certificate_required alert, never an HTTP answer (a 401 or 404 would be a hole).
      (e: unknown) => ['UND_ERR_SOCKET', 'ECONNRESET', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'].includes((e as { code?: string }).code ?? ''),
    );
    assert.equal(kea.commands.length, sent, 'nothing reached Kea without a client certificate');
    await Promise.all([withCert.close(), noCert.close()]);
  } finally {
    await server.close();
  }
  const main = await buildServer(app).inject({ method: 'POST', url: '/targets/k/', payload: '{ "command": "version-get" }', headers: AUTH });
  assert.equal(main.statusCode, 404);
});

test('per-user rate limit: past proxy.rateLimit.max, 429 bare map with Retry-After; no rate headers within it', async () => {
  const server = buildProxyServer(app);
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await server.inject({ method: 'POST', url: '/targets/k/', payload: '{ "command": "status-get" }', headers: AUTH });
    codes.push(r.statusCode);
    if (r.statusCode === 429) {
      assert.deepEqual(r.json(), { result: 429, text: 'Too Many Requests' });
      assert.match(String(r.headers['retry-after']), /^\d+$/);
    } else
      assert.deepEqual(
        Object.keys(r.headers).filter((h) => h.startsWith('x-ratelimit')),
        [],
        'a Control Agent sends none',
      );
  }
  assert.deepEqual(codes, [200, 200, 200, 429, 429]);
});
