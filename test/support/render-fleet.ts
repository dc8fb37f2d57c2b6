/** A small fleet of daemon snapshots from real captures, for the renderer's tests (unit and promtool). */
import { PrometheusRenderer } from '../../src/render/prometheus/registry.js';
import { parseStatus } from '../../src/kea/status.js';
import type { DaemonSnapshot, StatisticsSnapshot } from '../../src/snapshot.js';
import { columnsOf, NO_STATISTICS, type StatSample } from '../../src/kea/statistics/parse.js';
import { fixtureArgs } from './fixture-files.js';

export function snap(over: Partial<DaemonSnapshot>): DaemonSnapshot {
  return {
    target: 'server1',
    daemon: 'dhcp4',
    labels: {},
    transport: 'unix',
    up: true,
    configChanges: 0,
    haTransitions: {},
    commandErrors: {},
    polledAt: 1_700_000_000_000,
    lastSuccessAt: 1_700_000_000_000,
    pollDurationSeconds: 0.002,
    ...over,
  };
}

/** A statistics poll that went well, of the samples (or columns) and subnet table given. */
export function statsSnap({
  samples,
  ...over
}: Pick<StatisticsSnapshot, 'target' | 'subnets'> & { samples?: readonly StatSample[] } & Partial<StatisticsSnapshot>): StatisticsSnapshot {
  const statistics = samples ? columnsOf(samples) : NO_STATISTICS;
  return { daemon: 'dhcp4', labels: {}, up: true, polledAt: 0, lastSuccessAt: 0, pollDurationSeconds: 0, dropped: 0, errors: {}, statistics, ...over };
}

export function fleet(): [string, DaemonSnapshot][] {
  return [
    [
      'server1|self',
      snap({
        labels: { ha_pair: 'site-a' },
        status: parseStatus(fixtureArgs('2.2.0', 'dhcp4-ha-primary.partner-down.status-get')),
        version: '2.2.0',
        startTime: 1_699_999_932,
        configHash: { hash: 'A'.repeat(64), source: 'computed' },
        sharedConfig: { hash: 'C'.repeat(64), haPeers: 'server1,server2' },
        configChanges: 2,
        lastConfigChangeAt: 1_699_999_990_000,
        haTransitions: { standby: 1 },
        commandErrors: { 'status-get': { timeout: 3 } },
      }),
    ],
    [
      'hub|self',
      snap({
        target: 'hub',
        version: '3.0.4',
        transport: 'http',
        status: parseStatus(fixtureArgs('3.0.4', 'dhcp4-ha-hub.partner-clock-ahead-45s.status-get')),
        configHash: { hash: 'B'.repeat(64), source: 'kea' },
        busy: true,
        delayedPolls: 2,
      }),
    ],
    [
      'agent1|dhcp6',
      snap({
        target: 'agent1',
        daemon: 'dhcp6',
        transport: 'http',
        up: false,
        error: { code: 'forward', message: 'unable to forward' },
        commandErrors: { 'status-get': { forward: 1 } },
        lastSuccessAt: undefined,
        status: parseStatus(fixtureArgs('2.2.0', 'dhcp6.status-get')),
      }),
    ],
  ];
}

export function renderer(): PrometheusRenderer {
  return new PrometheusRenderer({ version: '0.0.0-test', processMetrics: false });
}
