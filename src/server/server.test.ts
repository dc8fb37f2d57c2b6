import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { KeaError } from '../errors.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { buildServer } from './server.js';
import { FakeKea, keaHandler } from '../../test/support/fake-kea.js';
import { pollAll } from '../../test/support/poll.js';

let dir: string;
let good: FakeKea;
let broken: FakeKea;
let app: App;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'server-'));
  good = await FakeKea.start({ path: path.join(dir, 'good.sock'), handler: keaHandler({ version: '2.4', daemon: 'dhcp4', ha: 'primary' }) });
  broken = await FakeKea.start({ path: path.join(dir, 'broken.sock'), behaviour: { kind: 'garbage' } });
  // Polled by start() and by the tests only: the counts below do not depend on how long ago that was.
  const yaml = `poll: { interval: 1h }
targets:
  - { name: good, socket: ${good.path}, labels: { site: a } }
  - { name: broken, socket: ${broken.path}, daemon: dhcp4 }
  - { name: absent, socket: ${path.join(dir, 'absent.sock')}, daemon: dhcp6 }`;
  app = new App(parseConfigText(yaml, 'c.yaml'), { log: new MemoryLog(), version: '1.2.3' });
  await app.start();
});

after(async () => {
  await app.stop();
  await Promise.all([good.close(), broken.close()]);
  rmSync(dir, { recursive: true, force: true });
});

test('not ready before the first poll round, ready after; healthy throughout', async () => {
  // Its own App and Kea: the shared App has polled already (and the shared fakes count connections).
  const kea = await FakeKea.start({ path: path.join(dir, 'ready.sock'), handler: keaHandler({ version: '2.4', daemon: 'dhcp4' }) });
  const fresh = new App(parseConfigText(`targets: [ { name: k, socket: ${kea.path} } ]`, 'c.yaml'), { log: new MemoryLog(), version: '1' });
  try {
    const s = buildServer(fresh);
    assert.equal((await s.inject({ url: '/-/ready' })).statusCode, 503);
    assert.equal((await s.inject({ url: '/-/healthy' })).statusCode, 200);
    await fresh.start();
    assert.equal((await s.inject({ url: '/-/ready' })).statusCode, 200);
    assert.equal((await s.inject({ url: '/-/healthy' })).statusCode, 200);
  } finally {
    await fresh.stop();
    await kea.close();
  }
});

test('broken and absent targets are down with a reason; the good one is up; /metrics answers 200', async () => {
  const res = await buildServer(app).inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/plain; version=0.0.4/);
  assert.match(res.body, /kea_up\{target="good",daemon="dhcp4",site="a"\} 1/);
  assert.match(res.body, /kea_up\{target="broken",daemon="dhcp4"\} 0/);
  assert.match(res.body, /kea_exporter_poll_error_info\{target="broken",daemon="dhcp4",reason="parse"\} 1/);
  assert.match(res.body, /kea_exporter_poll_error_info\{target="absent",daemon="dhcp6",reason="connect"\} 1/);
  assert.match(res.body, /kea_exporter_command_errors_total\{target="absent",daemon="dhcp6",command="status-get",reason="connect"\} 1/);
  assert.match(res.body, /kea_exporter_build_info\{version="1.2.3",nodejs_version="[^"]+"\} 1/);
  assert.match(res.body, /^process_cpu_seconds_total /m);
});

test('OpenMetrics by content negotiation, text otherwise', async () => {
  const s = buildServer(app);
  const prometheus2 =
    'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
  const om = await s.inject({ url: '/metrics', headers: { accept: prometheus2 } });
  assert.match(om.headers['content-type'] as string, /^application\/openmetrics-text; version=1.0.0/);
  assert.ok(om.body.endsWith('# EOF\n'));
  for (const accept of ['text/plain;version=0.0.4', '*/*', 'application/json']) {
    const r = await s.inject({ url: '/metrics', headers: { accept } });
    assert.match(r.headers['content-type'] as string, /^text\/plain/, accept);
  }
});

test("gzip when the scraper accepts it (Prometheus does): the same targets' series, in either format", async () => {
  const s = buildServer(app);
  // Kea's series (the exporter's own, written at each scrape, change between two).
  const series = (body: string) => body.split('\n').filter((l) => l.includes('target="'));
  for (const accept of ['text/plain;version=0.0.4', 'application/openmetrics-text;version=1.0.0']) {
    const plain = await s.inject({ url: '/metrics', headers: { accept } });
    const gz = await s.inject({ url: '/metrics', headers: { accept, 'accept-encoding': 'gzip' } });
    assert.deepEqual([gz.headers['content-encoding'], gz.headers.vary, gz.headers['content-type']], ['gzip', 'Accept-Encoding', plain.headers['content-type']]);
    assert.equal(Number(gz.headers['content-length']), gz.rawPayload.length);
    const text = gunzipSync(gz.rawPayload).toString();
    assert.ok(series(plain.body).length > 10, accept);
    assert.deepEqual(series(text), series(plain.body), accept);
    assert.equal(text.endsWith('# EOF\n'), plain.body.endsWith('# EOF\n'));
  }
});

test('landing page lists every target with its kind and state, escaped', async () => {
  const res = await buildServer(app).inject({ url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /text\/html/);
  assert.match(res.body, /<td><a href="probe\?target=good">good<\/a><\/td><td>socket<\/td><td>dhcp4<\/td><td class="up">up<\/td>/);
  assert.match(
    res.body,
    /<td><a href="probe\?target=broken">broken<\/a><\/td><td>socket<\/td><td>dhcp4<\/td><td class="down">down: parse<\/td><td>answer is not valid JSON<\/td>/,
  );
  assert.match(res.body, /target=absent">absent<\/a><\/td><td>socket<\/td><td>dhcp6<\/td><td class="down">down: connect<\/td>/);
  assert.match(res.body, /href="metrics"/);
});

test('landing page (readable by anyone) shows no socket path, URL or error text', async () => {
  const yaml = `targets:
  - { name: sock, socket: ${path.join(dir, 'absent.sock')}, daemon: dhcp4 }
  - { name: daemon-http, url: "http://127.0.0.1:9/kea-secret-path/", daemon: dhcp4 }
  - { name: agent, url: "https://127.0.0.2:9/agent-path/", services: [dhcp4] }`;
  const other = new App(parseConfigText(yaml, 'c.yaml'), { log: new MemoryLog(), version: '1' });
  try {
    await other.start();
    const internal = other
      .snapshots()
      .map((s) => s.error?.message ?? '')
      .join('\n');
    assert.match(internal, /absent\.sock|127\.0\.0\.|ECONNREFUSED|ENOENT/, 'the messages do carry internal details');
    const { body } = await buildServer(other).inject({ url: '/' });
    for (const leak of [dir, 'absent.sock', '127.0.0.', 'kea-secret-path', 'agent-path', 'http://', 'https://', 'ECONNREFUSED', 'ENOENT']) {
      assert.ok(!body.includes(leak), `landing page shows ${leak}`);
    }
    assert.match(body, /target=daemon-http">daemon-http<\/a><\/td><td>http<\/td>/);
    assert.match(body, /target=agent">agent<\/a><\/td><td>agent<\/td>/);
    assert.match(body, /down: connect<\/td><td>could not connect/);
  } finally {
    await other.stop();
  }
});

test('polls and scrapes at any rate never open more than one connection to a daemon', async () => {
  const s = buildServer(app);
  // Each command answers or is refused by the queue; any other failure is a bug shown here.
  const outcomes: string[] = [];
  await Promise.all([
    ...Array.from({ length: 30 }, () => pollAll(app)),
    ...Array.from({ length: 30 }, () => s.inject({ url: '/metrics' })),
    ...Array.from({ length: 200 }, () =>
      app.targets[0]!.endpointFor(undefined)!
        .command('status-get', 2000)
        .then(
          () => outcomes.push('answered'),
          (e: unknown) => outcomes.push(e instanceof KeaError ? e.code : String(e)),
        ),
    ),
  ]);
  assert.equal(outcomes.length, 200);
  assert.ok(outcomes.includes('answered'), outcomes.join());
  assert.deepEqual(
    outcomes.filter((o) => !['answered', 'queue_full', 'queue_timeout'].includes(o)),
    [],
  );
  assert.equal(good.maxConcurrent, 1);
  assert.equal(broken.maxConcurrent, 1);
});

test('POST /-/reload is off unless the lifecycle API is enabled: 403, as Prometheus answers', async () => {
  const res = await buildServer(app).inject({ method: 'POST', url: '/-/reload' });
  assert.equal(res.statusCode, 403);
  assert.equal(res.body, 'Lifecycle API is not enabled.\n');
});

test('scrapes over real connections give back the family texts they sent once sent, also when the client goes away mid-body', async () => {
  const server = buildServer(app);
  await server.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = server.server.address() as { port: number };
    const url = `http://127.0.0.1:${port}/metrics`;
    const released = async () => {
      for (let i = 0; i < 500 && app.renderer.leases > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(app.renderer.leases, 0, 'every response released what it sent');
    };
    for (let i = 0; i < 5; i++) {
      await pollAll(app);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /kea_up\{target="good"/);
      await released();
    }
    // A client that reads the head and drops the connection.
    const controller = new AbortController();
    const res = await fetch(url, { signal: controller.signal });
    assert.equal(res.status, 200);
    controller.abort();
    await released();
  } finally {
    await server.close();
  }
});
