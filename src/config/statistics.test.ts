import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from './load.js';

const TARGET = 'targets:\n  - { name: a, socket: /run/a.sock }\n';

test('statistics: every key, in ms and frozen', () => {
  const c = parseConfigText(
    `statistics:\n  enabled: false\n  interval: 1m\n  perSubnet: false\n  perPool: false\n  subnets: { allow: [1, 2], deny: [2] }\n  maxSeries: 500\n  naming: kea-exporter\n${TARGET}`,
    's.yaml',
  );
  assert.deepEqual(c.statistics, {
    enabled: false,
    intervalMs: 60_000,
    perSubnet: false,
    perPool: false,
    subnets: { allow: [1, 2], deny: [2] },
    maxSeries: 500,
    naming: 'kea-exporter',
  });
  assert.ok(Object.isFrozen(c.statistics.subnets));
});

test('statistics: bad values name the key', () => {
  const cases: [string, RegExp][] = [
    ['statistics: { naming: kea_exporter }', /statistics\.naming: must be one of default, kea-exporter/],
    ['statistics: { interval: 30 }', /statistics\.interval/],
    ['statistics: { maxSeries: 0 }', /statistics\.maxSeries: must be at least 1/],
    ['statistics: { subnets: { allow: [0] } }', /statistics\.subnets\.allow\[0\]: subnet ids are positive integers/],
    ['statistics: { perPools: true }', /statistics\.perPools: unknown key \(line 1\)/],
  ];
  for (const [yaml, re] of cases) {
    assert.throws(
      () => parseConfigText(`${yaml}\n${TARGET}`, 's.yaml'),
      (e: ConfigError) => re.test(e.message),
      yaml,
    );
  }
});
