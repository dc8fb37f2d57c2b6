/** OTLP export against the real Kea lab (the newest version) and an in-test OTLP receiver: the metrics of /metrics
 * with their documented names, units and attributes; spans of polls, commands and proxied
 * requests; trace ids in log lines; export failures that leave polling alone. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { MemoryLog } from '../support/memory-log.js';
import { createTracedLog } from '../../src/telemetry/log.js';
import { prometheusName } from '../../src/render/otel/names.js';
import { buildServer } from '../../src/server/server.js';
import { startOtlpReceiver, type OtlpMetricPoint, type OtlpReceiver, type OtlpSpanRecord } from '../support/otlp-receiver.js';
import { pollAll, pollAllStatistics } from '../support/poll.js';

const PASSWORD = 'otel-lab-secret';
let lab: Lab;
let receiver: OtlpReceiver;

/** Log lines as pino writes them (JSON), so the trace-id mixin is what is tested. */
const logLines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});

function config(o: { interval: string; endpoint: string; statistics?: string }): string {
  return `poll: { interval: ${o.interval}, timeout: 900ms }
statistics: { interval: ${o.statistics ?? '1h'} }
otel: { enabled: true, endpoint: "${o.endpoint}", interval: 1s, resourceAttributes: { site: lab } }
proxy: { enabled: true, users: [{ name: admin, password: "${PASSWORD}", role: admin }] }
targets:
  - { name: server1, socket: "${lab.sockets.primary}", daemon: dhcp4, labels: { ha_pair: lab } }
  - { name: server2, socket: "${lab.sockets.standby}", daemon: dhcp4, labels: { ha_pair: lab } }
  - { name: dhcp6, socket: "${lab.sockets.dhcp6}" }
  - { name: ddns, socket: "${lab.sockets.d2}", daemon: d2 }
  - { name: missing, socket: "${lab.dir}/absent.sock", daemon: dhcp4 }
`;
}

/** /metrics text -> samples (name, labels, value). */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l)!;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

const promName = (p: OtlpMetricPoint) => prometheusName({ name: p.name, unit: p.unit }, p.kind === 'sum' && p.monotonic ? 'counter' : 'gauge');
const sameAttrs = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

before(async () => {
  lab = await startLab({ daemons: ['primary', 'standby', 'dhcp6', 'd2'] });
  receiver = await startOtlpReceiver();
});

after(async () => {
  await receiver?.close();
  await lab?.stop();
});

describe('OpenTelemetry on a real Kea lab', () => {
  test('metrics, spans, proxied traceparent, log trace ids, and a flush at shutdown', async () => {
    // Polls only when the test asks, so /metrics and the export show the same values.
    const app = new App(parseConfigText(config({ interval: '1h', endpoint: receiver.url }), 'otel.yaml'), {
      log: createTracedLog('info', sink),
      version: 'test',
      env: {},
    });
    await app.start();
    await pollAllStatistics(app);
    const server = buildServer(app);
    try {
      const text = (await server.inject({ url: '/metrics' })).body;
      const since = receiver.requests.length;
      // An export collected after the render above.
      const points = await receiver.waitFor(() => {
        const fresh = receiver.requests.slice(since).filter((r) => r.signal === 'metrics').length;
        if (fresh < 2) return undefined;
        const all = receiver.metrics();
        const last = all.reduce((m, p) => (p.timeUnixNano > m ? p.timeUnixNano : m), '0');
        return all.filter((p) => p.timeUnixNano === last);
      }, 10_000);

      // Every Kea and exporter series of /metrics, same name (after translation), attributes, value.
      const kea = samples(text).filter((s) => s.name.startsWith('kea_'));
      assert.ok(kea.length > 200, `${kea.length} kea series`);
      const missing: string[] = [];
      for (const s of kea) {
        const family = s.name;
        const p = points.find((x) => promName(x) === family && sameAttrs(x.attributes, s.labels));
        if (!p) missing.push(`${s.name}${JSON.stringify(s.labels)}`);
        else assert.equal(p.value, s.value, `${s.name}${JSON.stringify(s.labels)}`);
      }
      assert.deepEqual(missing.slice(0, 5), [], `${missing.length} series not exported`);
      // Units and kinds as documented.
      const one = (name: string) => points.find((p) => p.name === name)!;
      assert.deepEqual([one('kea_uptime').unit, one('kea_uptime').kind], ['s', 'gauge']);
      assert.deepEqual(
        [one('kea_config_changes_observed').kind, one('kea_config_changes_observed').monotonic, one('kea_config_changes_observed').temporality],
        ['sum', true, 'cumulative'],
      );
      assert.equal(one('kea_dhcp4_subnet_utilization').unit, '1');
      assert.equal(points.find((p) => p.name === 'kea_up' && p.attributes.target === 'server1')?.attributes.ha_pair, 'lab');
      // Resource.
      assert.equal(points[0]!.resource['service.name'], 'kea-telemetry');
      assert.equal(points[0]!.resource['service.version'], 'test');
      assert.equal(points[0]!.resource.site, 'lab');
      assert.match(points[0]!.resource['service.instance.id'] as string, /^[0-9a-f-]{36}$/);
      assert.ok(points[0]!.resource['host.name']);

      // Spans: a poll with a child span per command.
      await pollAll(app);
      const spanOf = (pred: (s: OtlpSpanRecord) => boolean) => () => receiver.spans().find(pred);
      const poll = await receiver.waitFor(
        spanOf((s) => s.name === 'kea poll' && s.attributes['kea.target'] === 'server1'),
        10_000,
      );
      assert.equal(poll.attributes['kea.daemon'], 'dhcp4');
      assert.equal(poll.attributes['kea.up'], true);
      const cmd = await receiver.waitFor(
        spanOf((s) => s.parentSpanId === poll.spanId && s.name === 'kea status-get'),
        10_000,
      );
      assert.equal(cmd.traceId, poll.traceId);
      assert.equal(cmd.kind, 'client');
      assert.deepEqual(
        [
          cmd.attributes['kea.target'],
          cmd.attributes['kea.daemon'],
          cmd.attributes['kea.command'],
          cmd.attributes['kea.transport'],
          cmd.attributes['kea.result'],
        ],
        ['server1', 'dhcp4', 'status-get', 'unix', 0],
      );
      assert.ok(Number(cmd.attributes['kea.response.size']) > 100);
      const down = await receiver.waitFor(
        spanOf((s) => s.name === 'kea poll' && s.attributes['kea.target'] === 'missing'),
        10_000,
      );
      assert.equal(down.status.code, 2);
      assert.match(down.status.message ?? '', /connect/);
      const failedCmd = await receiver.waitFor(
        spanOf((s) => s.parentSpanId === down.spanId),
        10_000,
      );
      assert.equal(failedCmd.status.code, 2);

      // Log lines written inside a poll carry its trace and span ids.
      const line = logLines.find((l) => l.msg === 'daemon is down' && l.target === 'missing');
      assert.ok(line, 'a daemon-down log line');
      assert.ok(
        receiver.spans().some((s) => s.traceId === line.trace_id && s.spanId === line.span_id && s.name === 'kea poll'),
        "its ids are a poll span's",
      );

      // A proxied request continues the caller's trace; its command is a child of it.
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parent = '00f067aa0ba902b7';
      const res = await server.inject({
        method: 'POST',
        url: '/targets/server1/',
        payload: '{ "command": "status-get" }',
        headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`, traceparent: `00-${traceId}-${parent}-01` },
      });
      assert.equal(res.statusCode, 200);
      const srv = await receiver.waitFor(
        spanOf((s) => s.traceId === traceId && s.kind === 'server'),
        10_000,
      );
      assert.equal(srv.parentSpanId, parent);
      assert.equal(srv.attributes['http.response.status_code'], 200);
      assert.equal(srv.attributes['kea.command'], 'status-get');
      assert.equal(srv.attributes['enduser.id'], 'admin');
      const child = await receiver.waitFor(
        spanOf((s) => s.traceId === traceId && s.parentSpanId === srv.spanId),
        10_000,
      );
      assert.equal(child.name, 'kea status-get');
      const audit = logLines.find((l) => l.msg === 'proxy request');
      assert.equal(audit?.trace_id, traceId);

      // Shutdown flushes: spans of a last poll, and one more metrics export.
      await pollAll(app);
      const before = receiver.requests.length;
      const lastPolls = receiver.spans().length;
      await app.stop();
      const after = receiver.requests.slice(before);
      assert.ok(
        after.some((r) => r.signal === 'metrics'),
        'a metrics export at shutdown',
      );
      assert.ok(receiver.spans().length >= lastPolls + 5, "the last poll's spans were flushed");
    } finally {
      await server.close();
      await app.stop();
    }
  });

  test('a receiver answering 503, then absent, does not disturb polling or /metrics; failures are counted and logged once', async () => {
    const failing = await startOtlpReceiver({ status: 503 });
    const log = new MemoryLog();
    const app = new App(parseConfigText(config({ interval: '1s', endpoint: failing.url }), 'otel.yaml'), {
      // The environment picks the encoding over the file's default http/protobuf.
      log,
      version: 'test',
      env: { OTEL_EXPORTER_OTLP_TIMEOUT: '300', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
    await app.start();
    const server = buildServer(app);
    try {
      const polled = () => app.snapshots().find((s) => s.target === 'server1')!.polledAt!;
      const first = polled();
      await failing.waitFor(() => (failing.requests.length >= 3 ? true : undefined), 15_000);
      assert.ok(failing.requests.every((r) => r.contentType === 'application/json' && r.status === 503));
      await failing.close(); // now nothing listens there
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok(polled() >= first + 2000, 'polling went on every second');
      const res = await server.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /kea_up\{target="server1",daemon="dhcp4",ha_pair="lab"\} 1/);
      const failures = Number(/kea_exporter_otlp_export_failures_total\{signal="metrics"\} (\d+)/.exec(res.body)?.[1]);
      assert.ok(failures >= 3, `failures counted: ${failures}`);
      assert.equal(log.lines.filter((l) => l.msg === 'OTLP export failing' && (l.obj as { signal: string }).signal === 'metrics').length, 1);
    } finally {
      await server.close();
      await app.stop();
    }
  });
});
