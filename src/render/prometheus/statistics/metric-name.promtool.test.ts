/** promtool, Prometheus's own checker, on names made from hostile statistic names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { unmappedMetricName } from './metric-name.js';

test('promtool check metrics accepts every name made from hostile statistic names', () => {
  const stats = [
    'pkt6-not-for-us',
    'fooBar',
    'a-total',
    'x_count',
    'y.sum',
    'z-bucket',
    'q-ms',
    'kilo-bytes',
    'kilobytes',
    'b',
    'sec-sec-s',
    'counter',
    'x-gauge-y',
    'summary_histogram',
    'hours',
    'microseconds-x',
    'ÄÖÜ-ms',
    '9lives',
    'a__b',
    'mb-kb-gb',
    'milli-seconds',
    'millisecond-s',
  ];
  const body = stats
    .map((s, i) => {
      const name = unmappedMetricName('kea_dhcp4_subnet_', s);
      return `# HELP ${name} stat ${i}\n# TYPE ${name} gauge\n${name} 1\n`;
    })
    .join('');
  const out = (() => {
    try {
      return execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      return `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    }
  })();
  assert.equal(out.trim(), '');
});
