import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfigText } from '../../config/load.js';
import { COLLECTORS } from './registry.js';
import { reservedLabels } from './reserved-labels.js';
import { statisticsCollector } from './statistics.js';
import { StatisticNames } from './statistics/names.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/', import.meta.url));
/** The target label registry.test.ts configures for its golden fleet: a target's own. */
const CONFIGURED = new Set(['ha_pair']);

/** The label names of every per-daemon series (those with a target label) of the goldens. */
function goldenLabelNames(): Set<string> {
  const out = new Set<string>();
  for (const file of readdirSync(GOLDEN).filter((f) => f.endsWith('.prom'))) {
    for (const [, labels] of readFileSync(path.join(GOLDEN, file), 'utf8').matchAll(/^[a-zA-Z_:][a-zA-Z0-9_:]*\{(.*)\} \S+$/gm)) {
      const names = [...labels!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)].map((m) => m[1]!);
      if (names.includes('target')) for (const n of names) if (!CONFIGURED.has(n)) out.add(n);
    }
  }
  return out;
}

/** The label names of the families of statistics nobody mapped, at every scope, both namings. */
function unmappedLabelNames(): Set<string> {
  const out = new Set<string>();
  const shapes = [{}, { subnetId: 1 }, { subnetId: 1, poolId: 1 }, { subnetId: 1, pdPoolId: 1 }, { key: 'k' }];
  for (const naming of ['default', 'kea-exporter'] as const) {
    const names = new StatisticNames(naming);
    for (const daemon of ['dhcp4', 'dhcp6', 'd2'] as const) {
      for (const shape of shapes) {
        const got = names.series(daemon, { name: 'reserved-labels-test', stat: 'reserved-labels-test', ...shape }, new Map());
        assert.match(got?.family.help ?? '', /not mapped/);
        for (const l of got?.family.labels ?? []) out.add(l);
      }
    }
  }
  return out;
}

/** Every label a family may carry, gathered from what is emitted and what is declared. */
function familyLabelNames(): string[] {
  const declared = [...COLLECTORS, statisticsCollector('default'), statisticsCollector('kea-exporter')].flatMap((c) =>
    c.metrics.flatMap((m) => m.labels ?? []),
  );
  return [...new Set([...goldenLabelNames(), ...declared, ...unmappedLabelNames()])].sort();
}

const config = (label: string): string => `targets:\n  - name: a\n    socket: /run/a.sock\n    labels:\n      site: x\n      ${label}: x\n`;

test('every label of every family, emitted or declared, both namings, is reserved', () => {
  const all = familyLabelNames();
  // What the goldens show: HA, statistics of both namings (kea-exporter's `context`), exporter health.
  for (const l of [
    'target',
    'daemon',
    'relationship',
    'state',
    'subnet_id',
    'shared_network',
    'pool',
    'operation',
    'context',
    'key',
    'command',
    'cause',
    'window',
  ]) {
    assert.ok(all.includes(l), `${l} is gathered`);
  }
  const reserved = reservedLabels();
  assert.deepEqual(
    all.filter((l) => !reserved.has(l)),
    [],
    'labels a family sets that a target could set too',
  );
  assert.ok(!reserved.has('site') && !reserved.has('ha_pair'), "a target's own label names stay free");
});

test('the loader refuses each of them as a target label, naming file, key and line', () => {
  const reserved = reservedLabels();
  for (const name of [...reserved].sort()) {
    assert.throws(
      () => parseConfigText(config(name), '/etc/kea-telemetry.yaml', {}, { reservedLabels: reserved }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.message, `/etc/kea-telemetry.yaml: targets[0].labels.${name}: label name "${name}" is reserved: the exporter sets it itself (line 6)`);
        return true;
      },
      name,
    );
  }
  assert.equal(parseConfigText(config('site2'), '/etc/kea-telemetry.yaml', {}, { reservedLabels: reserved }).targets[0]?.labels.site2, 'x');
});
