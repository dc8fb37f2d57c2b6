/** The OTLP receiver against the real OpenTelemetry JS exporters, over both HTTP encodings. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace, ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { startOtlpReceiver, type OtlpMetricPoint, type OtlpReceiver, type OtlpSpanRecord } from './otlp-receiver.js';

type Protocol = 'http/protobuf' | 'http/json';
const PROTOCOLS: Protocol[] = ['http/protobuf', 'http/json'];
const CONTENT_TYPE: Record<Protocol, string> = { 'http/protobuf': 'application/x-protobuf', 'http/json': 'application/json' };
const resource = resourceFromAttributes({ 'service.name': 'kea-telemetry-test', 'kea.server': 'dhcp4-a' });

const receivers: OtlpReceiver[] = [];
async function receiver(status?: number): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver({ status });
  receivers.push(r);
  return r;
}
after(() => Promise.all(receivers.map((r) => r.close())));

// The exporters take the full signal URL; only OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/<signal> appended.
function metricExporter(p: Protocol, url: string, timeoutMillis?: number): PushMetricExporter {
  const opts = { url: `${url}/v1/metrics`, headers: { 'x-test': p }, timeoutMillis };
  return p === 'http/protobuf' ? new ProtoMetricExporter(opts) : new JsonMetricExporter(opts);
}
function traceExporter(p: Protocol, url: string, timeoutMillis?: number): SpanExporter {
  const opts = { url: `${url}/v1/traces`, timeoutMillis };
  return p === 'http/protobuf' ? new ProtoTraceExporter(opts) : new JsonTraceExporter(opts);
}

async function exportMetrics(p: Protocol, r: OtlpReceiver): Promise<void> {
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter(p, r.url),
    exportIntervalMillis: 200,
    exportTimeoutMillis: 200,
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('kea-telemetry', '0.1.0');
  meter.createObservableGauge('kea.pool.utilization', { unit: '1', description: 'Share of the pool leased' }).addCallback((obs) => {
    obs.observe(0.25, { 'subnet.id': 1, 'pool.name': 'lan' });
    obs.observe(1, { 'subnet.id': 2, 'pool.name': 'dmz' });
  });
  const counter = meter.createCounter('kea.packets.received', {
    unit: '{packet}',
    description: 'DHCP packets received',
    valueType: ValueType.INT,
  });
  counter.add(3, { 'packet.type': 'discover', relayed: false });
  counter.add(4, { 'packet.type': 'discover', relayed: false });
  counter.add(1, { 'packet.type': 'request', relayed: true });
  await provider.forceFlush();
  await provider.shutdown();
}

async function exportSpans(p: Protocol, r: OtlpReceiver): Promise<void> {
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: traceExporter(p, r.url) })] });
  const tracer = provider.getTracer('kea-telemetry', '0.1.0');
  const parent = tracer.startSpan('scrape', { kind: SpanKind.SERVER, attributes: { 'http.route': '/metrics' } });
  // No context manager is registered, so the parent is passed explicitly.
  const child = tracer.startSpan(
    'kea.command',
    { kind: SpanKind.CLIENT, attributes: { 'kea.command': 'statistic-get-all', 'kea.service': 'dhcp4', attempt: 2 } },
    trace.setSpan(context.active(), parent),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'result 1' });
  child.end();
  parent.end();
  await provider.forceFlush();
  await provider.shutdown();
}

const withoutTime = (m: OtlpMetricPoint): Omit<OtlpMetricPoint, 'timeUnixNano'> => {
  const { timeUnixNano: _, ...rest } = m;
  return rest;
};
/** Finished spans to hand an exporter directly, bypassing span processors. */
async function finishedSpans(name: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  provider.getTracer('t').startSpan(name).end();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}
const exportOnce = (e: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> => new Promise((resolve) => e.export(spans, resolve));

/** A decoded body with ids and timestamps blanked, to compare runs. */
function stable(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => stable(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stable(x, k)]));
  return /UnixNano$|SpanId$|^spanId$|^traceId$/.test(key) ? '-' : v;
}

/** Every flush (interval, forceFlush, shutdown) re-exports the cumulative series: keep the last. */
function latest(points: OtlpMetricPoint[]): OtlpMetricPoint[] {
  return [...new Map(points.map((m) => [`${m.name}${JSON.stringify(m.attributes)}`, m])).values()];
}
const byKey = (a: { name: string; attributes: object }, b: { name: string; attributes: object }): number =>
  `${a.name}${JSON.stringify(a.attributes)}`.localeCompare(`${b.name}${JSON.stringify(b.attributes)}`);

describe('OTLP receiver with the OpenTelemetry JS exporters', () => {
  test('metrics arrive decoded identically over http/protobuf and http/json', async () => {
    const seen: Partial<Record<Protocol, Omit<OtlpMetricPoint, 'timeUnixNano'>[]>> = {};
    const bodies: Partial<Record<Protocol, unknown>> = {};
    for (const p of PROTOCOLS) {
      const r = await receiver();
      await exportMetrics(p, r);
      const points = await r.waitFor(() => {
        const ms = latest(r.metrics().filter((m) => m.scope === 'kea-telemetry'));
        return ms.length >= 4 ? ms : undefined;
      }, 3000);
      const req = r.requests[0]!;
      assert.equal(req.path, '/v1/metrics');
      assert.equal(req.contentType, CONTENT_TYPE[p]);
      assert.equal(req.headers['x-test'], p);
      assert.match(req.headers['user-agent'] ?? '', /^OTel-OTLP-Exporter-JavaScript\//);
      assert.match(points[0]!.timeUnixNano, /^\d{19}$/);
      seen[p] = points.map(withoutTime).sort(byKey);
      bodies[p] = req.body;
    }
    const proto = seen['http/protobuf']!;
    assert.deepEqual(seen['http/json'], proto);
    assert.deepEqual(stable(bodies['http/json']), stable(bodies['http/protobuf']));

    const res = { 'service.name': 'kea-telemetry-test', 'kea.server': 'dhcp4-a' };
    // A resource given to MeterProvider replaces the default one (no telemetry.sdk.* added).
    assert.deepEqual(proto, [
      {
        name: 'kea.packets.received',
        unit: '{packet}',
        description: 'DHCP packets received',
        kind: 'sum',
        monotonic: true,
        temporality: 'cumulative',
        attributes: { 'packet.type': 'discover', relayed: false },
        value: 7,
        scope: 'kea-telemetry',
        resource: res,
      },
      {
        name: 'kea.packets.received',
        unit: '{packet}',
        description: 'DHCP packets received',
        kind: 'sum',
        monotonic: true,
        temporality: 'cumulative',
        attributes: { 'packet.type': 'request', relayed: true },
        value: 1,
        scope: 'kea-telemetry',
        resource: res,
      },
      {
        name: 'kea.pool.utilization',
        unit: '1',
        description: 'Share of the pool leased',
        kind: 'gauge',
        attributes: { 'pool.name': 'lan', 'subnet.id': 1 },
        value: 0.25,
        scope: 'kea-telemetry',
        resource: res,
      },
      {
        name: 'kea.pool.utilization',
        unit: '1',
        description: 'Share of the pool leased',
        kind: 'gauge',
        attributes: { 'pool.name': 'dmz', 'subnet.id': 2 },
        value: 1,
        scope: 'kea-telemetry',
        resource: res,
      },
    ]);
  });

  test('a span and its child arrive with parent links and attributes over both encodings', async () => {
    const seen: Partial<Record<Protocol, OtlpSpanRecord[]>> = {};
    const bodies: Partial<Record<Protocol, unknown>> = {};
    for (const p of PROTOCOLS) {
      const r = await receiver();
      await exportSpans(p, r);
      const spans = await r.waitFor(() => (r.spans().length >= 2 ? r.spans() : undefined), 3000);
      bodies[p] = r.requests.find((q) => JSON.stringify(q.body).includes('"kea.command"'))?.body;
      assert.ok(bodies[p]);
      assert.ok(r.requests.every((q) => q.path === '/v1/traces' && q.contentType === CONTENT_TYPE[p]));
      const parent = spans.find((s) => s.name === 'scrape')!;
      const child = spans.find((s) => s.name === 'kea.command')!;
      assert.match(parent.traceId, /^[0-9a-f]{32}$/);
      assert.match(parent.spanId, /^[0-9a-f]{16}$/);
      assert.equal(parent.parentSpanId, undefined);
      assert.equal(child.traceId, parent.traceId);
      assert.equal(child.parentSpanId, parent.spanId);
      assert.ok(BigInt(child.endTimeUnixNano) >= BigInt(child.startTimeUnixNano));
      // Ids and times differ between runs; blank them to compare the rest across encodings.
      seen[p] = spans
        .map((s) => ({ ...s, traceId: '', spanId: '', parentSpanId: s.parentSpanId && 'parent', startTimeUnixNano: '', endTimeUnixNano: '' }))
        .sort(byKey);
    }
    assert.deepEqual(seen['http/json'], seen['http/protobuf']);
    assert.deepEqual(stable(bodies['http/json']), stable(bodies['http/protobuf']));
    const [child, parent] = seen['http/protobuf']!;
    assert.deepEqual(pick(child!, ['name', 'kind', 'attributes', 'status', 'scope', 'parentSpanId']), {
      name: 'kea.command',
      kind: 'client',
      attributes: { 'kea.command': 'statistic-get-all', 'kea.service': 'dhcp4', attempt: 2 },
      status: { code: 2, message: 'result 1' },
      scope: 'kea-telemetry',
      parentSpanId: 'parent',
    });
    assert.deepEqual(pick(parent!, ['name', 'kind', 'attributes', 'status']), {
      name: 'scrape',
      kind: 'server',
      attributes: { 'http.route': '/metrics' },
      status: { code: 0 },
    });
    assert.equal(parent!.resource['service.name'], 'kea-telemetry-test');
  });

  test('setStatus(503): the exporter reports FAILED and the receiver still records the request', async () => {
    const finished = await finishedSpans('lost');
    for (const p of PROTOCOLS) {
      const r = await receiver();
      r.setStatus(503);
      // 503 is retryable: the exporter retries after ~1 s backoff unless its deadline is
      // nearer, so a short timeout keeps this to one attempt.
      const exporter = traceExporter(p, r.url, 300);
      const failed = await exportOnce(exporter, finished);
      assert.equal(failed.code, ExportResultCode.FAILED);
      assert.equal(r.requests.length, 1);
      assert.equal(r.requests[0]!.status, 503);
      assert.equal(r.spans()[0]!.name, 'lost');

      r.setStatus(200);
      const ok = await exportOnce(exporter, finished);
      assert.equal(ok.code, ExportResultCode.SUCCESS);
      assert.equal(r.requests.length, 2);
      await exporter.shutdown();
    }
  });

  test('gzip from the exporter (set through the environment) and from a plain client', async () => {
    const r = await receiver();
    // compression takes an enum from @opentelemetry/otlp-exporter-base; the env var needs no import.
    process.env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION = 'gzip';
    const exporter = traceExporter('http/protobuf', r.url);
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION;
    assert.equal((await exportOnce(exporter, await finishedSpans('zipped'))).code, ExportResultCode.SUCCESS);
    assert.equal(r.requests[0]!.headers['content-encoding'], 'gzip');
    assert.equal(r.spans()[0]!.name, 'zipped');
    await exporter.shutdown();
  });

  test('gzip bodies, bad requests and waitFor timeouts', async () => {
    const r = await receiver();
    const body = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'gz', kind: 1 }] }] }],
    };
    const post = (path: string, type: string, data: Uint8Array<ArrayBuffer> | string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${r.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body: data });

    const gz = await post('/v1/traces', 'application/json; charset=utf-8', new Uint8Array(gzipSync(JSON.stringify(body))), { 'content-encoding': 'gzip' });
    assert.equal(gz.status, 200);
    assert.equal(await gz.text(), '{}');
    assert.equal(r.spans()[0]!.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(r.requests[0]!.headers['content-encoding'], 'gzip');

    assert.equal((await post('/v1/nope', 'application/json', '{}')).status, 404);
    assert.equal((await post('/v1/metrics', 'text/plain', '{}')).status, 415);
    assert.equal((await post('/v1/metrics', 'application/x-protobuf', new Uint8Array([0x0a, 0xff]))).status, 400);
    assert.match(r.requests.at(-1)!.error ?? '', /./);

    await assert.rejects(
      r.waitFor(() => undefined, 50),
      /nothing matched within 50 ms/,
    );
  });
});

function pick<T extends object>(o: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k))) as Partial<T>;
}
