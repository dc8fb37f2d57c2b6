/** The dashboards at 5,000 subnets: a real kea-dhcp4 (the newest Kea, per-pool statistics and 50
 * shared networks) with 5,000 subnets, the exporter polling its statistics, a real Prometheus
 * scraping it (test/support/scale-lab.ts). Every panel query of the generated dashboards, with
 * their default variables (All), must draw a bounded number of series: at one instant, and over
 * the range of data there is while the fullest subnets change (what a time series panel draws). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardQueries, queryName } from '../support/dashboard-queries.js';
import { SCALE_SUBNETS, SCALE_TARGET, startScaleLab, type ScaleLab } from '../support/scale-lab.js';

/** Series one panel query may return with the default variables (issue 15). */
const MAX_SERIES = 50;
/** Seconds of data (and of lease changes: one more subnet fills past the others every interval). */
const WINDOW_S = 30;

let lab: ScaleLab;

before(async () => {
  lab = await startScaleLab();
  await lab.accumulate(WINDOW_S);
});

after(async () => {
  await lab?.stop();
});

describe(`dashboards on ${SCALE_SUBNETS} subnets: a real Kea, exporter and Prometheus`, () => {
  test('the lab is at scale: every subnet and pool is in Prometheus, 50 shared networks, utilisation varies', async () => {
    const one = async (expr: string) => Number((await lab.prom.query(expr))[0]?.value[1] ?? NaN);
    const t = `target="${SCALE_TARGET}"`;
    assert.equal(await one(`count(kea_dhcp4_subnet_utilization_ratio{${t}})`), SCALE_SUBNETS);
    assert.equal(await one(`count(kea_dhcp4_pool_utilization_ratio{${t}})`), SCALE_SUBNETS);
    assert.equal(await one(`count(count by (shared_network) (kea_dhcp4_addresses_capacity{${t}, shared_network!=""}))`), 50);
    // Each interval a subnet fuller than the last: the top of the table changes over the range.
    assert.ok((await one(`count(kea_dhcp4_subnet_utilization_ratio{${t}} > 0)`)) >= WINDOW_S / lab.intervalS / 2);
  });

  test(`every dashboard panel query with default variables returns at most ${MAX_SERIES} series, instant and over the range`, async () => {
    const end = Math.floor(Date.now() / 1000);
    const over: string[] = [];
    const queries = dashboardQueries();
    assert.ok(queries.length >= 20, `only ${queries.length} queries`);
    for (const q of queries) {
      const instant = (await lab.prom.query(q.query)).length;
      // Distinct series over the range, for what Grafana asks over it (not tables and bar gauges).
      const range = q.instant ? instant : (await lab.prom.queryRange(q.query, lab.since, end, lab.intervalS)).length;
      if (instant > MAX_SERIES || range > MAX_SERIES) over.push(`${queryName(q)}: ${instant} instant, ${range} over ${end - lab.since} s: ${q.query}`);
    }
    assert.ok(over.length === 0, `${over.length} of ${queries.length} queries draw more than ${MAX_SERIES} series:\n${over.join('\n')}`);
  });
});
