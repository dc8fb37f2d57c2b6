/** The HTTP server built from a stub of WebSource (src/server/source.ts), no App, no Kea: what
 * each route takes from the exporter and how it answers. The data path end to end is
 * server.test.ts, on the real App. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseConfigText } from '../config/load.js';
import type { DaemonSnapshot } from '../snapshot.js';
import { PROXY_REQUESTS } from '../proxy/routes.js';
import { buildServer, CONNECTIONS_DROPPED, PROBE_LATE, PROBE_REFUSED } from './server.js';
import { stubSource } from '../../test/support/stub-source.js';

const CONFIG = parseConfigText('targets:\n  - { name: a, socket: /run/a.sock }\n', 'c.yaml');
const OM = 'application/openmetrics-text; version=1.0.0';

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), what);
}

test('/-/ready answers what the source says, read at each request', async () => {
  const source = stubSource({ config: CONFIG });
  const server = buildServer(source);
  assert.equal((await server.inject({ url: '/-/ready' })).statusCode, 503);
  source.ready = true;
  assert.equal((await server.inject({ url: '/-/ready' })).statusCode, 200);
});

test("/metrics streams the renderer's chunks with their type and length, OpenMetrics when asked first, gzip when accepted, and releases them once sent", async () => {
  const asked: [boolean, boolean][] = [];
  let released = 0;
  const source = stubSource({
    config: CONFIG,
    render: async (om, gzip) => {
      asked.push([om, gzip]);
      const text = [Buffer.from('kea_up{target="a"} 1\n'), Buffer.from(om ? '# EOF\n' : '')];
      const chunks = gzip ? [gzipSync(Buffer.concat(text))] : text;
      return {
        contentType: om ? `${OM}; charset=utf-8` : 'text/plain; version=0.0.4; charset=utf-8',
        gzip,
        chunks,
        length: chunks.reduce((n, c) => n + c.length, 0),
        release: () => released++,
      };
    },
  });
  const server = buildServer(source);
  const text = await server.inject({ url: '/metrics' });
  await until(() => released === 1, 'the chunks released after the response');
  assert.equal(text.body, 'kea_up{target="a"} 1\n');
  assert.equal(text.headers['content-length'], String(text.body.length));
  assert.match(String(text.headers['content-type']), /^text\/plain; version=0.0.4/);
  const om = await server.inject({ url: '/metrics', headers: { accept: `${OM};q=0.5,text/plain;version=0.0.4;q=0.3` } });
  assert.equal(om.body, 'kea_up{target="a"} 1\n# EOF\n');
  assert.match(String(om.headers['content-type']), /^application\/openmetrics-text/);
  assert.equal(om.headers['content-encoding'], undefined);
  assert.equal(om.headers.vary, 'Accept-Encoding');
  await until(() => released === 2, 'the chunks released after the second response');
  // Prometheus' Accept-Encoding: gzip; refused with q=0, or not offered: the text as it is.
  const gz = await server.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.rawPayload).toString(), 'kea_up{target="a"} 1\n');
  assert.equal(gz.headers['content-length'], String(gz.rawPayload.length));
  for (const refused of ['gzip;q=0', 'br', 'identity, gzip']) {
    const plain = await server.inject({ url: '/metrics', headers: { 'accept-encoding': refused } });
    assert.deepEqual([plain.headers['content-encoding'], plain.body], [undefined, 'kea_up{target="a"} 1\n'], refused);
  }
  const both = await server.inject({ url: '/metrics', headers: { accept: OM, 'accept-encoding': 'deflate, gzip;q=0.5' } });
  assert.equal(gunzipSync(both.rawPayload).toString(), 'kea_up{target="a"} 1\n# EOF\n');
  assert.deepEqual(asked, [
    [false, false],
    [true, false],
    [false, true],
    [false, false],
    [false, false],
    [false, false],
    [true, true],
  ]);
  await until(() => released === 7, 'every response released its chunks');
});

test('/probe: 400 without a target or for one the source does not watch, 503 when busy, else its body', async () => {
  const source = stubSource({
    config: CONFIG,
    probe: async ({ target: name, module, openMetrics: om, waitMs }) => {
      if (name === 'busy') return 'busy';
      if (module === 'm') return { refused: name === 'full' ? 'full' : 'not_allowed', message: `refused ${waitMs}` };
      if (name !== 'a') return undefined;
      return { contentType: om ? OM : 'text/plain; version=0.0.4', body: Buffer.from(`probed ${name}\n`) };
    },
  });
  const server = buildServer(source);
  assert.equal((await server.inject({ url: '/probe' })).statusCode, 400);
  const unknown = await server.inject({ url: '/probe?target=zz' });
  assert.deepEqual([unknown.statusCode, unknown.body], [400, 'unknown target "zz" (not configured, or another shard\'s; an address needs module=)\n']);
  const busy = await server.inject({ url: '/probe?target=busy' });
  assert.deepEqual([busy.statusCode, busy.headers['retry-after']], [503, '1']);
  const ok = await server.inject({ url: '/probe?target=a', headers: { accept: OM } });
  assert.deepEqual([ok.statusCode, ok.body, ok.headers['content-type']], [200, 'probed a\n', OM]);
  // An address refused: 403 or 503, counted by reason; the scrape timeout reaches the source.
  const headers = { 'x-prometheus-scrape-timeout-seconds': '10' };
  const denied = await server.inject({ url: '/probe?target=http://x/&module=m', headers });
  assert.deepEqual([denied.statusCode, denied.body], [403, 'refused 9500\n']);
  const full = await server.inject({ url: '/probe?target=full&module=m' });
  assert.deepEqual([full.statusCode, full.headers['retry-after'], full.body], [503, '1', 'refused undefined\n']);
  assert.equal(source.renderer.value('kea_exporter_probe_refused_total', { reason: 'not_allowed' }), 1);
  assert.equal(source.renderer.value('kea_exporter_probe_refused_total', { reason: 'full' }), 1);
  assert.equal((await server.inject({ url: '/probe?target=a&module=' })).statusCode, 400);
});

test("the landing page: the source's version and shard, a row per snapshot with its target's kind, all escaped", async () => {
  const snapshot = (target: string, up: boolean): DaemonSnapshot => ({
    target,
    daemon: 'dhcp4',
    labels: {},
    transport: 'unix',
    up,
    polledAt: 1,
    configChanges: 0,
    haTransitions: {},
    commandErrors: {},
    ...(up ? { version: '2.6.3' } : { error: { code: 'connect', message: '/run/secret.sock: ENOENT' } }),
  });
  const source = stubSource({
    config: { ...CONFIG, shard: { index: 1, count: 3 } },
    version: '1.0<b>',
    targets: [{ name: 'a&b', config: { kind: 'agent' }, snapshots: () => [], endpointFor: () => undefined }],
    snapshots: [snapshot('a&b', true), snapshot('down', false)],
  });
  const { body } = await buildServer(source).inject({ url: '/' });
  assert.match(body, /<h1>kea-telemetry 1\.0&lt;b&gt;<\/h1>/);
  assert.match(body, / · shard 1 of 3<\/p>/);
  assert.match(body, /<td><a href="probe\?target=a%26b">a&amp;b<\/a><\/td><td>agent<\/td><td>dhcp4<\/td><td class="up">up<\/td><td>2\.6\.3<\/td>/);
  assert.match(body, /target=down">down<\/a><\/td><td><\/td><td>dhcp4<\/td><td class="down">down: connect<\/td><td>could not connect/);
  assert.doesNotMatch(body, /secret/);
});

test("the listener's and the proxy's counters are made in the source's registry, once however many servers", async () => {
  const config = parseConfigText(
    'proxy:\n  enabled: true\n  tokens: [ { name: t, token: tok-0123456789abcdef } ]\ntargets:\n  - { name: a, socket: /run/a.sock }\n',
    'p.yaml',
  );
  const source = stubSource({ config });
  const first = buildServer(source);
  const second = buildServer(source);
  assert.deepEqual(
    [...source.renderer.counters.keys()].sort(),
    [
      CONNECTIONS_DROPPED,
      PROBE_LATE,
      PROBE_REFUSED,
      'kea_exporter_proxy_answers_aborted_total',
      'kea_exporter_proxy_budget_refusals_total',
      PROXY_REQUESTS,
    ].sort(),
  );
  const made = (name: string) => source.renderer.counters.get(name)?.made;
  assert.equal(made(PROXY_REQUESTS), 1);
  assert.equal(made('kea_exporter_proxy_budget_refusals_total'), 1);
  assert.equal(source.renderer.gauges.get('kea_exporter_proxy_answer_bytes_in_flight'), 0);
  for (const s of [first, second]) {
    const r = await s.inject({
      method: 'POST',
      url: '/targets/nope/',
      payload: '{ "command": "status-get" }',
      headers: { authorization: 'Bearer tok-0123456789abcdef' },
    });
    assert.equal(r.statusCode, 404);
  }
  assert.equal(source.renderer.value(PROXY_REQUESTS, { target: 'none', command: 'none', code: '404' }), 2);
});
