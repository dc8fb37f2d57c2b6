import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../config/load.js';
import { otelSettings, parseKeyValues } from './settings.js';

const ID = { version: '1.2.3', instanceId: 'id-1', host: 'h1' };
const file = (otel: string) => parseConfigText(`otel: ${otel}\ntargets: [{ name: a, socket: /run/a.sock }]\n`, 'k.yaml').otel;

test('the file alone: its endpoint gets the signal paths, defaults fill the rest', () => {
  const s = otelSettings(
    file('{ enabled: true, endpoint: "http://col:4318/", headers: { x-api-key: k1 }, interval: 15s, resourceAttributes: { site: ams } }'),
    {},
    ID,
  );
  assert.equal(s.enabled, true);
  assert.deepEqual(s.metrics, { url: 'http://col:4318/v1/metrics', protocol: 'http/protobuf', headers: { 'x-api-key': 'k1' }, timeoutMs: 10_000 });
  assert.equal(s.traces?.url, 'http://col:4318/v1/traces');
  assert.equal(s.intervalMs, 15_000);
  assert.deepEqual(s.resource, { 'service.name': 'kea-telemetry', 'service.version': '1.2.3', 'service.instance.id': 'id-1', 'host.name': 'h1', site: 'ams' });
  // Nothing configured: localhost, and gRPC's own port.
  assert.equal(otelSettings(file('{ enabled: true }'), {}, ID).metrics?.url, 'http://localhost:4318/v1/metrics');
  assert.equal(otelSettings(file('{ enabled: true, protocol: grpc }'), {}, ID).traces?.url, 'http://localhost:4317');
});

test('OTEL_* variables override the file', () => {
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example:4318',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/custom',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k2,authorization=Bearer%20t',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=k3',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    OTEL_METRIC_EXPORT_INTERVAL: '10000',
    OTEL_RESOURCE_ATTRIBUTES: 'site=fra,deployment.environment.name=prod',
    OTEL_SERVICE_NAME: 'kea-edge',
  };
  const s = otelSettings(
    file(
      '{ enabled: true, endpoint: "http://col:4318", protocol: http/protobuf, headers: { x-api-key: k1, x-team: net }, interval: 60s, resourceAttributes: { site: ams } }',
    ),
    env,
    ID,
  );
  assert.deepEqual(s.metrics, {
    url: 'https://otlp.example:4318',
    protocol: 'grpc',
    headers: { 'x-api-key': 'k2', 'x-team': 'net', authorization: 'Bearer t' },
    timeoutMs: 2500,
  });
  assert.deepEqual(s.traces, {
    url: 'https://traces.example/custom',
    protocol: 'http/json',
    headers: { 'x-api-key': 'k3', 'x-team': 'net', authorization: 'Bearer t' },
    timeoutMs: 2500,
  });
  assert.equal(s.intervalMs, 10_000);
  assert.equal(s.resource['service.name'], 'kea-edge');
  assert.equal(s.resource.site, 'fra');
  assert.equal(s.resource['deployment.environment.name'], 'prod');
});

test('OTEL_SDK_DISABLED and OTEL_<SIGNAL>_EXPORTER=none switch off; bad values fall back to the file', () => {
  const on = file('{ enabled: true, interval: 30s }');
  assert.equal(otelSettings(on, { OTEL_SDK_DISABLED: 'true' }, ID).enabled, false);
  assert.equal(otelSettings(on, { OTEL_SDK_DISABLED: 'false' }, ID).enabled, true);
  assert.equal(otelSettings(file('{ enabled: false }'), {}, ID).enabled, false);
  const s = otelSettings(on, { OTEL_TRACES_EXPORTER: 'none', OTEL_METRIC_EXPORT_INTERVAL: 'soon', OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' }, ID);
  assert.equal(s.traces, undefined);
  assert.equal(s.metrics?.protocol, 'http/protobuf');
  assert.equal(s.intervalMs, 30_000);
  assert.equal(otelSettings(on, { OTEL_METRICS_EXPORTER: 'none' }, ID).metrics, undefined);
});

test('key=value lists: percent-decoded, malformed pairs skipped', () => {
  assert.deepEqual(parseKeyValues('a=1, b = two%2C3 ,broken,=x,c=%E0%A4%A'), { a: '1', b: 'two,3' });
  assert.deepEqual(parseKeyValues(undefined), {});
});

test('a bad otel section names the key', () => {
  assert.throws(() => file('{ protocol: udp }'), /otel\.protocol/);
  assert.throws(() => file('{ endpoint: "ftp://x" }'), /otel\.endpoint.*http/);
  assert.throws(() => file('{ enabled: true, bogus: 1 }'), /otel\.bogus.*unknown key/);
});
