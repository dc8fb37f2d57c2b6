/** Issue 11's storm, permanent: against one real kea-dhcp4 2.2 behind a counting relay, the
 * exporter (its own process, proxy on, default limits) takes at once 2,000 proxied commands
 * from six principals (four allowed, a wrong password, a forbidden command), 2,000 /probe,
 * 2,000 /metrics and 1,000 half-open connections. It must keep Kea alive with at most
 * maxInFlight connections, never read the healthy daemon down, stay under its RSS ceiling,
 * answer every request with a status it is designed to give (or refuse the connection), leak no
 * secret, render promtool-clean /metrics and exit 0 on SIGTERM. Twice: with the open-files limit
 * a deployment gives it (inherited), and at 1,024 descriptors, where the connections alone
 * exhaust them. The figures come from `npm run bench` (bench/storm.ts), not asserted here. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stormChecks } from '../support/storm/checks.js';
import { stormReport } from '../support/storm/report.js';
import { runStorm, STORM_DEFAULTS, STORM_NOFILE, type StormOptions } from '../support/storm/run.js';

async function storm(o: StormOptions): Promise<void> {
  const result = await runStorm(o, (line) => console.log(`# ${line}`));
  const checks = stormChecks(result);
  for (const line of stormReport(result, checks)) console.log(`# ${line}`);
  assert.deepEqual(
    checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
    [],
  );
}

test('storm at the inherited open-files limit: proxied commands, /probe, /metrics and half-open connections at once', { timeout: 400_000 }, () =>
  storm({ ...STORM_DEFAULTS, build: 'tsx' }),
);

test(`storm at ${STORM_NOFILE} open files: the connections alone exhaust the descriptors`, { timeout: 400_000 }, () =>
  storm({ ...STORM_DEFAULTS, build: 'tsx', nofile: STORM_NOFILE }),
);
