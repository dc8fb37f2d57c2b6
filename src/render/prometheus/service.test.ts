import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseStatus } from '../../kea/status.js';
import { CAPTURES_DIR } from '../../../test/support/captures.js';
import { SnapshotSeriesProducer } from '../otel/producer.js';
import { PrometheusRenderer } from './registry.js';
import { snap } from '../../../test/support/render-fleet.js';
import { KEA_DHCP_DISABLED, KEA_DHCP_DISABLED_BY } from './service.js';

/** The status-get arguments of a real capture (test/fixtures/kea/captures/<path>.json). */
const captured = (path: string): unknown => {
  const body = JSON.parse(readFileSync(`${CAPTURES_DIR}${path}.json`, 'utf8')) as unknown;
  return ((Array.isArray(body) ? body[0] : body) as { arguments?: unknown }).arguments;
};

function renderer(path: string): PrometheusRenderer {
  const r = new PrometheusRenderer({ version: 't', processMetrics: false });
  r.update('t|self', snap({ target: 't', status: parseStatus(captured(path)) }));
  return r;
}

async function render(path: string): Promise<string[]> {
  return (await renderer(path).render(false)).body.split('\n').filter((l) => l.startsWith(KEA_DHCP_DISABLED));
}

const causes = (user: number, local: number, remote: number, db: number) => [
  `${KEA_DHCP_DISABLED_BY}{target="t",daemon="dhcp4",cause="user"} ${user}`,
  `${KEA_DHCP_DISABLED_BY}{target="t",daemon="dhcp4",cause="ha_local"} ${local}`,
  `${KEA_DHCP_DISABLED_BY}{target="t",daemon="dhcp4",cause="ha_remote"} ${remote}`,
  `${KEA_DHCP_DISABLED_BY}{target="t",daemon="dhcp4",cause="db_connection"} ${db}`,
];

for (const v of ['2.6.3', '3.0.4']) {
  test(`${v} passive-backup backup: disabled, by its own HA only; every cause exported`, async () => {
    assert.deepEqual(await render(`${v}/dhcp4-ha-passive-backup-backup.status-get`), [
      `${KEA_DHCP_DISABLED}{target="t",daemon="dhcp4"} 1`,
      ...causes(0, 1, 0, 0),
    ]);
  });
  test(`${v} dhcp-disable by a user: disabled by user`, async () => {
    const lines = await render(`${v}/dhcp6.status-get.disabled-by-user`);
    assert.ok(lines.includes(`${KEA_DHCP_DISABLED}{target="t",daemon="dhcp4"} 1`));
    assert.ok(lines.includes(causes(1, 0, 0, 0)[0]!));
  });
  test(`${v} serving: every cause 0`, async () => {
    assert.deepEqual(await render(`${v}/dhcp6.status-get`), [`${KEA_DHCP_DISABLED}{target="t",daemon="dhcp4"} 0`, ...causes(0, 0, 0, 0)]);
  });
}

test('OTLP carries the causes as the same gauge with a cause attribute', async () => {
  const producer = new SnapshotSeriesProducer(renderer('3.0.4/dhcp4-ha-passive-backup-backup.status-get'), { name: 't', version: 't' });
  const metrics = (await producer.collect()).resourceMetrics.scopeMetrics[0]!.metrics;
  const by = metrics.find((m) => m.descriptor.name === KEA_DHCP_DISABLED_BY)!;
  assert.deepEqual(
    by.dataPoints.map((p) => [p.attributes.cause, p.value]),
    [
      ['user', 0],
      ['ha_local', 1],
      ['ha_remote', 0],
      ['db_connection', 0],
    ],
  );
});

test('Kea without dhcp-state (2.2): neither family', async () => {
  const r = new PrometheusRenderer({ version: 't', processMetrics: false });
  r.update('t|self', snap({ target: 't', status: { pid: 1, uptime: 1, reload: 1, ha: [] } }));
  assert.doesNotMatch((await r.render(false)).body, /^kea_dhcp_disabled/m);
});
