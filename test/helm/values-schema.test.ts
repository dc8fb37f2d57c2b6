// values.schema.json: its generated parts are current, a mistyped config key fails `helm lint`
// naming the key, and configurations the exporter accepts (${NAME} references in place of
// booleans, numbers, enums and durations included) pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { helm, one, RELEASE, render, type Obj } from './helm.js';
import { CHART_DIR, ROOT } from './paths.js';
import { configSchema, SCHEMA_FILE, schemaText } from './values-schema.js';

/** Every key of the config file, with ${NAME} wherever the exporter reads a variable's text as
 * a boolean, number, choice or duration. */
const KITCHEN_SINK: Obj = {
  listen: '0.0.0.0:9547',
  poll: { interval: '${POLL_INTERVAL}', timeout: '2500ms', maxInFlight: '${IN_FLIGHT}', maxAnswerBytes: 1048576, background: '${BACKGROUND}' },
  statistics: {
    enabled: true,
    interval: '1m30s',
    perSubnet: '${PER_SUBNET}',
    perPool: false,
    subnets: { allow: [1, 2, 3], deny: [2] },
    maxSeries: 5000,
    naming: '${NAMING}',
  },
  proxy: {
    enabled: true,
    listen: '0.0.0.0:9548',
    tls: { cert: '/tls/tls.crt', key: '/tls/tls.key', clientCa: '/tls/ca.crt' },
    maxBodyBytes: 65536,
    maxQueued: 10,
    timeout: '10s',
    maxAnswerBytesInFlight: 8388608,
    rateLimit: { max: 100, window: '1m' },
    users: [{ name: 'ops', password: '${PROXY_PASSWORD}', role: 'site-a' }],
    tokens: [{ name: 'ci', token: '${TOKEN}', role: 'read-only' }],
    roles: { 'site-a': { commands: ['status-get', 'lease4-get*'], targets: ['agent*'], unredacted: false } },
    agents: [{ name: 'host1', services: { dhcp4: 'server1', dhcp6: 'server1-v6', d2: 'server1-d2' } }],
  },
  otel: {
    enabled: '${OTEL_ON}',
    endpoint: 'http://otel-collector.monitoring.svc:4318',
    protocol: '${OTEL_PROTOCOL}',
    headers: { 'x-tenant': 'kea' },
    interval: '30s',
    resourceAttributes: { 'deployment.environment': 'prod', 'host.count': 2, canary: false },
  },
  shard: { index: 0, count: 1 },
  hashKey: '${HASH_KEY}',
  probe: { allow: ['https://kea-*.kea.svc:8004/', '/run/kea/*'], maxTargets: '${PROBE_MAX}', idleAfter: '15m' },
  modules: {
    kea3: {
      daemon: 'dhcp4',
      labels: { fleet: 'sd' },
      auth: { username: 'monitor', password: '${KEA_PASSWORD}' },
      tls: { ca: '/ca.pem', cert: '/c.pem', key: '/c.key', insecureSkipVerify: false },
      statistics: { enabled: true, perSubnet: false, perPool: false, subnets: { allow: [1], deny: [2] }, maxSeries: 1000 },
    },
  },
  targets: [
    { name: 'agent1', url: 'https://kea-ctrl-agent.kea.svc:8000/', services: ['dhcp4', 'dhcp6', 'd2'], labels: { site: 'dc1', rack: 12 }, auth: { username: 'monitor', password: '${KEA_PASSWORD}' }, tls: { ca: '/ca.pem', cert: '/c.pem', key: '/c.key', insecureSkipVerify: false } },
    { name: 'server1', socket: '/run/kea/kea4-ctrl-socket', daemon: '${DAEMON}' },
    { name: 'server1-v6', socket: '/run/kea/kea6-ctrl-socket', daemon: 'dhcp6' },
    { name: 'server1-d2', socket: '/run/kea/kea-ddns-ctrl-socket', daemon: 'd2' },
    { name: '${SITE}-kea3', url: 'http://${KEA3_HOST}:8004/', daemon: 'dhcp4' },
  ],
};
const ENV = {
  POLL_INTERVAL: '10s', IN_FLIGHT: '4', BACKGROUND: 'false', PER_SUBNET: 'true', NAMING: 'kea-exporter', PROXY_PASSWORD: 'pw', TOKEN: 'a-token-of-20-chars!',
  OTEL_ON: 'true', OTEL_PROTOCOL: 'grpc', HASH_KEY: 'a-hash-key-of-24-chars!!', KEA_PASSWORD: 'pw', DAEMON: 'dhcp4', SITE: 'site-b', KEA3_HOST: 'kea3.kea.svc',
  PROBE_MAX: '500',
};

/** Key paths a JSON Schema describes (through anyOf, items and mapping values), `*` for any key. */
function schemaPaths(node: Obj, at: string[] = []): string[] {
  const out: string[] = [];
  const inner = (node.anyOf?.[0] as Obj | undefined) ?? node;
  for (const [k, v] of Object.entries((inner.properties ?? {}) as Obj)) out.push([...at, k].join('.'), ...schemaPaths(v as Obj, [...at, k]));
  if (inner.items) out.push(...schemaPaths(inner.items as Obj, at));
  if (inner.additionalProperties && typeof inner.additionalProperties === 'object') out.push(...schemaPaths(inner.additionalProperties as Obj, [...at, '*']));
  return out;
}

/** Key paths a value holds (list items merged, mapping keys also as `*`). */
function valuePaths(v: unknown, at: string[] = []): Set<string> {
  const out = new Set<string>();
  const add = (x: unknown, path: string[]) => {
    if (Array.isArray(x)) x.forEach((item) => add(item, path));
    else if (x !== null && typeof x === 'object') {
      for (const [k, item] of Object.entries(x)) {
        for (const p of [[...path, k], [...path, '*']]) {
          out.add(p.join('.'));
          add(item, p);
        }
      }
    }
  };
  add(v, at);
  return out;
}

function lint(values: Obj, set: string[] = []): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kea-telemetry-schema-'));
  try {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify(values));
    const r = helm(['lint', '--strict', CHART_DIR, '--values', file, ...set.flatMap((s) => ['--set-string', s])]);
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('values.schema.json: the generated parts are current (else: npm run helm:sync)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
});

test('a valid configuration passes the exporter and helm lint: every config key, ${NAME} in place of booleans, numbers, choices, durations', () => {
  const missing = schemaPaths(configSchema()).filter((p) => !valuePaths(KITCHEN_SINK).has(p));
  assert.deepEqual(missing, [], 'keys of the schema the kitchen sink lacks: add them');
  parseConfigText(stringify(KITCHEN_SINK), '/etc/kea-telemetry/config.yaml', ENV);
  const r = lint({ config: KITCHEN_SINK });
  assert.equal(r.status, 0, r.output);
  // What the chart renders is still what the exporter accepts.
  const rendered = one(render({ set: ['config.targets[0].name=x', 'config.targets[0].url=http://x/'] }), 'ConfigMap', `${RELEASE}-kea-telemetry`).data['config.yaml'] as string;
  parseConfigText(rendered, 'config.yaml', {});
  // The repository's sample configuration (its listen moved to the chart's port).
  const sample = parse(readFileSync(join(ROOT, 'test/fixtures/config/valid.yaml'), 'utf8')) as Obj;
  const s = lint({ config: { ...sample, listen: '[::]:9547' } });
  assert.equal(s.status, 0, s.output);
});

test('a mistyped config key fails helm lint, naming the key', () => {
  const base = { config: { targets: [{ name: 'a', url: 'http://kea:8000/' }] } };
  const cases: [set: string, key: RegExp][] = [
    ['config.poll.intervall=5s', /config\.poll: Additional property intervall is not allowed/],
    ['config.statistcs.enabled=true', /config: Additional property statistcs is not allowed/],
    ['config.targets[0].tsl.ca=/ca.pem', /config\.targets\.0: Additional property tsl is not allowed/],
    ['config.proxy.rateLimit.maximum=5', /config\.proxy\.rateLimit: Additional property maximum is not allowed/],
  ];
  for (const [set, key] of cases) {
    const r = lint(base, [set]);
    assert.notEqual(r.status, 0, set);
    assert.match(r.output, key, set);
  }
});

test('wrong values fail helm lint; the same keys from ${NAME} pass, as in the exporter', () => {
  const base = { config: { targets: [{ name: 'a', url: 'http://kea:8000/' }] } };
  const cases: [set: string, key: RegExp][] = [
    ['config.poll.background=yes', /config\.poll\.background/],
    ['config.poll.interval=5 s', /config\.poll\.interval/],
    ['config.poll.maxInFlight=four', /config\.poll\.maxInFlight/],
    ['config.statistics.naming=kea_exporter', /config\.statistics\.naming/],
    ['config.targets[0].daemon=dhcp7', /config\.targets\.0\.daemon/],
  ];
  for (const [set, key] of cases) {
    const r = lint(base, [set]);
    assert.notEqual(r.status, 0, set);
    assert.match(r.output, key, set);
    const env = set.replace(/=.*/, '=${VALUE}');
    const ok = lint(base, [env]);
    assert.equal(ok.status, 0, `${env}: ${ok.output}`);
  }
});
