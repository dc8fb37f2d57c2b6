/** Issue 11 item 8, in process: the connection cap evicts idle connections for newcomers, refuses
 * only when every connection is serving; idle and slowloris sockets are closed; the descriptor
 * budget. Loopback only, bounded counts. (The CLI under a 1,024 open-files limit:
 * test/integration/connections-cli.test.ts.) */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { CONNECTIONS_DROPPED, buildProxyServer, buildServer } from './server.js';
import { MIN_CONNECTIONS, clientConnectionCap, connectionBudget, keaConnections, parseOpenFilesLimit } from './connections.js';
import { FakeKea, keaHandler } from '../../test/support/fake-kea.js';
import { makeTestCertificates, type TestCertificates } from '../../test/support/certs.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('descriptor budget', () => {
  test('parses the soft open-files limit of /proc/self/limits', () => {
    assert.equal(parseOpenFilesLimit(LIMITS), 1024);
    assert.equal(parseOpenFilesLimit(LIMITS.replace('1024  ', 'unlimited')), undefined);
    assert.equal(parseOpenFilesLimit('garbage'), undefined);
    assert.equal(typeof parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8')), 'number');
  });

  test('cap = min(256, (soft limit - Kea connections - margin) / listeners), at least MIN_CONNECTIONS', () => {
    assert.deepEqual(connectionBudget({ softLimit: 1024, keaConnections: 10, listeners: 1 }), { perListener: 256, reserve: 74, low: false });
    assert.deepEqual(connectionBudget({ softLimit: 1024, keaConnections: 600, listeners: 2 }), { perListener: 180, reserve: 664, low: true });
    assert.equal(connectionBudget({ softLimit: 1024, keaConnections: 5000, listeners: 1 }).perListener, MIN_CONNECTIONS);
    assert.deepEqual(connectionBudget({ softLimit: undefined, keaConnections: 5000, listeners: 1 }), { perListener: 256, reserve: 5064, low: false });
  });

  test('Kea connections: daemons x maxInFlight, an agent counts itself and its services; a low limit is logged naming LimitNOFILE', () => {
    const config = parseConfigText(
      `poll: { maxInFlight: 2 }
targets:
  - { name: a, socket: /run/kea/a.sock }
  - { name: b, url: "http://127.0.0.1:8000/", services: [dhcp4] }
  - { name: c, url: "http://127.0.0.1:8001/" }
  - { name: d, url: "http://127.0.0.1:8002/", daemon: dhcp4 }`,
      'c.yaml',
    );
    assert.equal(keaConnections(config), (1 + 2 + 4 + 1) * 2);
    const log = new MemoryLog();
    assert.equal(clientConnectionCap(config, 1, log, 1 << 20), 256);
    assert.equal(log.lines.length, 0);
    assert.equal(clientConnectionCap(config, 2, log, 300), Math.floor((300 - 16 - 64) / 2));
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0]!.msg, /LimitNOFILE/);
    assert.ok(!JSON.stringify(log.lines).includes('/run/kea'), 'no config value in the log line');
    // Addresses /probe may poll at once are set aside too.
    const probing = parseConfigText(`poll: { maxInFlight: 2 }\ntargets: []\nprobe: { allow: ["/run/kea/*"], maxTargets: 10 }\n`, 'p.yaml');
    assert.equal(keaConnections(probing), 10 * 4 * 2);
  });
});

let dir: string;
let kea: FakeKea;
let slow: FakeKea;
let certs: TestCertificates;
let app: App;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'conn-'));
  certs = makeTestCertificates(path.join(dir, 'pki'));
  kea = await FakeKea.start({ path: path.join(dir, 'k.sock'), handler: keaHandler({ version: '2.2', daemon: 'dhcp4' }) });
  slow = await FakeKea.start({ path: path.join(dir, 's.sock'), behaviour: { kind: 'slow', delayMs: 1500 } });
  const yaml = `poll: { interval: 1h, timeout: 5s }
statistics: { enabled: false }
proxy:
  enabled: true
  listen: "127.0.0.1:0"
  tls: { cert: ${certs.serverCert}, key: ${certs.serverKey} }
  users: [ { name: u, password: secret-pw } ]
targets: [ { name: k, socket: ${kea.path}, daemon: dhcp4 }, { name: slow, socket: ${slow.path}, daemon: dhcp4 } ]`;
  app = new App(parseConfigText(yaml, 'c.yaml'), { log: new MemoryLog(), version: 't', processMetrics: false, probeMinAgeMs: 0 });
  await app.start();
});
after(async () => {
  await app.stop();
  await Promise.all([kea.close(), slow.close()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Client {
  socket: net.Socket;
  closed: Promise<void>;
  data: string;
}
/** A raw TCP client that sends `send` (nothing by default) and records what comes back. */
async function open(port: number, send = ''): Promise<Client> {
  const socket = net.connect(port, '127.0.0.1');
  const c: Client = { socket, closed: once(socket, 'close').then(() => undefined), data: '' };
  socket.on('data', (d: Buffer) => (c.data += d.toString()));
  socket.on('error', () => {});
  await once(socket, 'connect');
  if (send) socket.write(send);
  return c;
}
const settle = () => new Promise((r) => setTimeout(r, 100));
const dropped = async (listener: string, reason: string): Promise<number> => {
  const body = (await buildServer(app).inject({ url: '/metrics' })).body;
  return Number(new RegExp(`^${CONNECTIONS_DROPPED}\\{listener="${listener}",reason="${reason}"\\} (\\S+)$`, 'm').exec(body)?.[1] ?? 0);
};

test('at the cap, the oldest idle connection makes room: a new scrape gets through', async () => {
  const server = buildServer(app, { maxConnections: 8 });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as net.AddressInfo;
  const evicted0 = await dropped('web', 'evicted');
  const idle: Client[] = [];
  try {
    for (let i = 0; i < 20; i++) idle.push(await open(port));
    await settle();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^kea_up\{target="k",daemon="dhcp4"\} 1$/m);
    const still = idle.filter((c) => !c.socket.destroyed && c.socket.readyState === 'open').length;
    const count = await new Promise<number>((r, j) => server.server.getConnections((e, n) => (e ? j(e) : r(n))));
    assert.ok(count <= 8, `${count} connections open at the server`);
    assert.ok(still <= 8 + 1, `${still} idle clients still open`);
    assert.ok((await dropped('web', 'evicted')) - evicted0 >= 13);
  } finally {
    for (const c of idle) c.socket.destroy();
    await server.close();
  }
});

test("a scraper's keep-alive connection outlives a flood of silent ones: they are evicted first", async () => {
  const server = buildServer(app, { maxConnections: 8 });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as net.AddressInfo;
  const scraper = await open(port, 'GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n');
  const silent: Client[] = [];
  try {
    await new Promise<void>((r) => {
      const check = () => (scraper.data.includes('OK') ? r() : setTimeout(check, 20));
      check();
    });
    // The scraper is now the oldest idle connection; 20 silent ones arrive after it.
    for (let i = 0; i < 20; i++) silent.push(await open(port));
    await settle();
    assert.equal(scraper.socket.destroyed, false, 'the keep-alive connection that served a request was kept');
    scraper.data = '';
    scraper.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise<void>((r) => {
      const check = () => (scraper.data.includes('kea_up') ? r() : setTimeout(check, 20));
      check();
    });
    assert.match(scraper.data, /^HTTP\/1.1 200/);
  } finally {
    scraper.socket.destroy();
    for (const c of silent) c.socket.destroy();
    await server.close();
  }
});

test('when every connection is serving a request, the newcomer is refused (and counted)', async () => {
  const server = buildServer(app, { maxConnections: 4 });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as net.AddressInfo;
  const refused0 = await dropped('web', 'refused');
  // Probes of the slow daemon: each request waits ~1.5 s for Kea.
  const busy = await Promise.all(Array.from({ length: 4 }, () => open(port, 'GET /probe?target=slow HTTP/1.1\r\nHost: x\r\n\r\n')));
  try {
    await settle();
    const late = await open(port);
    await late.closed;
    assert.equal(late.data, '', 'closed without an answer');
    assert.equal((await dropped('web', 'refused')) - refused0, 1);
    await Promise.all(
      busy.map(
        (c) =>
          new Promise<void>((r) => {
            const check = () => (c.data.includes('\r\n\r\n') ? r() : setTimeout(check, 20));
            check();
          }),
      ),
    );
    assert.ok(
      busy.every((c) => c.data.startsWith('HTTP/1.1 200')),
      'the requests in progress were answered',
    );
  } finally {
    for (const c of busy) c.socket.destroy();
    await server.close();
  }
});

test('a socket that sends nothing, one that dribbles headers (slowloris), an idle keep-alive: all closed', async () => {
  const server = buildServer(app, { timeouts: { headersTimeout: 400, requestTimeout: 400, keepAliveTimeout: 300, connectionsCheckingInterval: 100 } });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as net.AddressInfo;
  try {
    const silent = await open(port);
    const loris = await open(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => loris.socket.write('X-A: b\r\n'), 50);
    const keepAlive = await open(port, 'GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n');
    // Node's own defaults close them after 60-90 s; 10 s is 25 times the timeouts set here.
    let deadline: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (deadline = setTimeout(() => reject(new Error('still open after 10 s')), 10_000)));
    try {
      await Promise.race([Promise.all([silent.closed, loris.closed, keepAlive.closed]), late]);
    } finally {
      clearTimeout(deadline);
      clearInterval(drip);
    }
    assert.match(loris.data, /^HTTP\/1.1 408/);
    assert.match(keepAlive.data, /^HTTP\/1.1 200/);
  } finally {
    await server.close();
  }
});

test('the proxy listener (TLS) has the same cap: stalled handshakes are evicted for a real client', async () => {
  const server = buildProxyServer(app, { maxConnections: 4 });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as net.AddressInfo;
  const evicted0 = await dropped('proxy', 'evicted');
  const stalled: Client[] = [];
  try {
    for (let i = 0; i < 10; i++) stalled.push(await open(port)); // TCP only: no ClientHello
    await settle();
    const s = tls.connect({ port, host: '127.0.0.1', ca: readFileSync(certs.caCert) });
    s.on('error', () => {});
    await once(s, 'secureConnect');
    const body = '{ "command": "version-get" }';
    const auth = Buffer.from('u:secret-pw').toString('base64');
    s.write(
      `POST /targets/k/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    await once(s, 'end');
    assert.match(answer, /^HTTP\/1.1 200/);
    assert.match(answer, /2\.2\.0/);
    assert.ok((await dropped('proxy', 'evicted')) - evicted0 >= 7);
    s.destroy();
  } finally {
    for (const c of stalled) c.socket.destroy();
    await server.close();
  }
});
