/** Issue 12 bugs 4 and 5, transport side: an HTTP refusal is told by its (capped) body, Kea's
 * bare 400 being bad_request; a TLS server's refusal of a missing client certificate (an alert
 * after a TLS 1.3 handshake) is tls, not closed. Both for request() and the proxy's stream(). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeaError } from '../errors.js';
import { FakeAgent } from '../../test/support/fake-agent.js';
import { keaHandler } from '../../test/support/fake-kea.js';
import { makeTestCertificates, type TestCertificates } from '../../test/support/certs.js';
import { HttpTransport } from './http.js';
import type { Transport } from './transport.js';

const CAPTURES = new URL('../../test/fixtures/kea/captures/', import.meta.url);
const capture = (rel: string): Buffer => readFileSync(new URL(rel, CAPTURES));

/** What real Kea answered (status, body byte for byte), and what other servers might. */
const REFUSALS: [string, number, Buffer | string, string][] = [
  ['2.6.3 agent, garbage body', 400, capture('2.6.3/ca.garbage-request.json'), 'bad_request'],
  ['3.0.4 agent, garbage body', 400, capture('3.0.4/ca.garbage-request.json'), 'bad_request'],
  ['3.0.4 dhcp4 socket, garbage body', 400, capture('3.0.4/dhcp4-http.garbage-request.json'), 'bad_request'],
  ['3.0.4 dhcp4 socket, no Content-Type', 400, capture('3.0.4/dhcp4-http.status-get.no-content-type.json'), 'bad_request'],
  ['3.0.4 d2 socket, no Content-Type', 400, capture('3.0.4/d2-http.status-get.no-content-type.json'), 'bad_request'],
  ['3.0.4 dhcp4 socket, wrong password', 401, capture('3.0.4/dhcp4-http.status-get.bad-auth.json'), 'unauthorized'],
  ['3.0.4 dhcp6 socket, no credentials', 401, capture('3.0.4/dhcp6-http.status-get.no-auth.json'), 'unauthorized'],
  ['RBAC', 403, '{ "result": 403, "text": "Forbidden" }', 'forbidden'],
  ["a web server's 400 page", 400, '<html><body>Bad Request</body></html>', 'http_status'],
  ["a 400 map that is not Kea's", 400, '{ "error": "bad" }', 'http_status'],
  ['a 400 body past the cap', 400, `{ "result": 400, "text": "${'x'.repeat(4000)}" }`, 'http_status'],
  ['an empty 400', 400, '', 'http_status'],
  ["Kea's map with another status", 500, capture('3.0.4/ca.garbage-request.json'), 'http_status'],
];

let dir: string;
let certs: TestCertificates;
let server: http.Server;
let base: string;
const transports: Transport[] = [];
const fakes: FakeAgent[] = [];

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'http-refusals-'));
  certs = makeTestCertificates(path.join(dir, 'pki'));
  // /<i>: answers REFUSALS[i] whatever was asked.
  server = http.createServer((req, res) => {
    req.resume();
    const [, status, body] = REFUSALS[Number(req.url!.slice(1))]!;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(fakes.map((f) => f.close()));
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function transport(opts: ConstructorParameters<typeof HttpTransport>[0]): HttpTransport {
  const t = new HttpTransport(opts, 2, 1 << 20);
  transports.push(t);
  return t;
}

async function failure(p: Promise<unknown>): Promise<KeaError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KeaError, String(err));
    return err;
  }
  assert.fail('expected a failure');
}

/** Drains a stream to its end. */
async function streamed(t: Transport): Promise<void> {
  const s = await t.stream({ command: 'status-get' }, AbortSignal.timeout(5000));
  while ((await s.next()) !== undefined);
}

describe('HTTP refusals are told by their body', () => {
  REFUSALS.forEach(([name, status, , code], i) => {
    test(`${name}: HTTP ${status} -> ${code}`, async () => {
      const t = transport({ url: `${base}/${i}` });
      const req = await failure(t.request({ command: 'status-get' }, 2000));
      assert.equal(req.code, code, req.message);
      assert.match(req.message, new RegExp(`HTTP ${status}`));
      assert.doesNotMatch(req.message, /"result"|html|xxxx/, 'the body is never echoed');
      const str = await failure(streamed(t));
      assert.equal(str.code, code, str.message);
    });
  });

  test('a refusal does not hold its connection: the next request on the pool works', async () => {
    const t = transport({ url: `${base}/0` });
    for (let i = 0; i < 5; i++) assert.equal((await failure(t.request({ command: 'status-get' }, 2000))).code, 'bad_request');
  });
});

describe('HTTPS server requiring a client certificate (Node TLS, TLS 1.3)', () => {
  test('no client certificate configured -> tls naming the missing certificate, request() and stream() alike', async () => {
    const tls = { key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestCert: true };
    const agent = await FakeAgent.start({ role: 'daemon', self: keaHandler({ version: '3.0', daemon: 'dhcp4' }), https: tls });
    fakes.push(agent);
    const t = transport({ url: agent.url, tls: { ca: certs.caCert, insecureSkipVerify: false } });
    for (const err of [await failure(t.request({ command: 'status-get' }, 3000)), await failure(streamed(t))]) {
      assert.equal(err.code, 'tls', err.message);
      assert.match(err.message, /requires a client certificate/);
      assert.doesNotMatch(err.message, /BEGIN|PRIVATE|pki|\.crt/, 'no certificate content or path');
    }
    const good = transport({ url: agent.url, tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey, insecureSkipVerify: false } });
    assert.match(await good.request({ command: 'status-get' }, 3000), /"result": 0/);
    await streamed(good);
    assert.equal(agent.commands.filter((c) => c === 'status-get').length, 2, 'only the good client reached the daemon');
  });
});
