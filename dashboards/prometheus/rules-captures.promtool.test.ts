// The DHCP-disabled alerts on what real Kea 2.6.3 / 3.0.4 report: each status-get capture goes
// through the exporter's renderer and its /metrics through the rules (test/support/promtool-alerts.ts).
// A lost lease database (db-lost/) is critical.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { parseStatus } from '../../src/kea/status.js';
import { PrometheusRenderer } from '../../src/render/prometheus/registry.js';
import { CAPTURES_DIR } from '../../test/support/captures.js';
import { assertFiring } from '../../test/support/promtool-alerts.js';

/** Capture (test/fixtures/kea/captures/<path>.json) -> the KeaDHCP* alerts it must fire. */
const CASES: [path: string, firing: string[]][] = [
  ['2.6.3/dhcp4-ha-passive-backup-backup.status-get', []],
  ['3.0.4/dhcp4-ha-passive-backup-backup.status-get', []],
  ['2.6.3/dhcp4-ha-passive-backup-primary.status-get', []],
  ['2.6.3/dhcp4-ha-standby.waiting.status-get', []],
  ['2.6.3/dhcp4-ha-standby.ready.status-get', []],
  ['2.6.3/dhcp4-ha-primary.partner-in-maintenance.status-get', []], // itself in-maintenance
  ['3.0.4/dhcp4-ha-lb-secondary.waiting.status-get', []],
  ['3.0.4/dhcp4-ha-lb-secondary.ready.status-get', []],
  ['3.0.4/dhcp4-ha-lb-primary.partner-in-maintenance.status-get', []],
  ['3.0.4/dhcp4-ha-lb-primary.partner-down.status-get', []],
  ['2.6.3/dhcp6.status-get.disabled-by-user', ['KeaDHCPDisabledByUser']],
  // dhcp-disable, and one with origin-id 2005: Kea lists that as the HA partner's, with no partner.
  ['3.0.4/dhcp6.status-get.disabled-by-user', ['KeaDHCPDisabledByHA', 'KeaDHCPDisabledByUser']],
  // Beside captures/: the lab's PostgreSQL stopped under kea-dhcp4 (test/fixtures/kea/README.md).
  ['../db-lost/2.6.3.dhcp4-pgsql.status-get', ['KeaDHCPDisabledByDatabase']],
  ['../db-lost/3.0.4.dhcp4-pgsql.status-get', ['KeaDHCPDisabledByDatabase']],
];

async function metrics(path: string): Promise<string> {
  const body = JSON.parse(readFileSync(`${CAPTURES_DIR}${path}.json`, 'utf8')) as unknown;
  const args = ((Array.isArray(body) ? body[0] : body) as { arguments?: unknown }).arguments;
  const r = new PrometheusRenderer({ version: 't', processMetrics: false });
  r.update('t|self', {
    target: 't',
    daemon: path.includes('/dhcp6') ? 'dhcp6' : 'dhcp4',
    labels: {},
    transport: 'unix',
    up: true,
    status: parseStatus(args),
    configChanges: 0,
    haTransitions: {},
    commandErrors: {},
  });
  return (await r.render(false)).body;
}

test("real 2.6.3 / 3.0.4 dhcp-state: HA backups, waiting, ready and in-maintenance servers stay quiet; a user's dhcp-disable warns; a lost database is critical", async () => {
  assertFiring(await Promise.all(CASES.map(async ([path, firing]) => ({ name: path, metrics: await metrics(path), firing, alertname: 'KeaDHCP.*' }))));
});
