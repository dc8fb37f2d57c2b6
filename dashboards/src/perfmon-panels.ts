/** The PerfMon panels of the statistics dashboard: response time per subnet (Kea 3.0+), bounded
 * like every per-subnet panel (top N, or the selected subnets). */
import { timeSeries } from './panels.js';
import { BY_SUBNET, RATE, sub, top } from './statistics-queries.js';

const SUBNET = '{{target}} {{subnet}}';

/** PerfMon's whole exchange (query received to response sent), per subnet; Kea's total over all
 * subnets (subnet_id 0) is left out: it is the sum of the others. */
const RESPONSE = (metric: string) => sub(metric, 'stage="composite-total_response", subnet_id!="0"');
const BY_EXCHANGE = `${BY_SUBNET}, query, response`;
const PERFMON_SINCE = 'PerfMon hook (libdhcp_perfmon.so with enable-monitoring), Kea 3.0+: Kea 2.6 loads the hook but answers no perfmon-get-all-durations.';

/** Kept to the top N at the end of the range, as topOverRange does; `@ end()` goes on each
 * selector, as PromQL takes it nowhere else. */
const overRange = (expr: (at: string) => string): string => `${expr('')} and ${top(expr(' @ end()'))}`;

/** Mean response time per subnet and exchange: time spent over exchanges measured, both counters
 * summed over PerfMon's completed intervals. The top N slowest. */
export function responseTimeMean() {
  const mean = (at: string) =>
    `sum by (${BY_EXCHANGE}) (rate(${RESPONSE('kea_perfmon_duration_seconds_total')}${RATE}${at})) / sum by (${BY_EXCHANGE}) (rate(${RESPONSE('kea_perfmon_occurrences_total')}${RATE}${at}) > 0)`;
  return timeSeries({
    title: 'DHCP response time per subnet (mean)',
    description: `Mean time from a query's arrival to its response being sent, per subnet and query/response pair: rate of kea_perfmon_duration_seconds_total over rate of kea_perfmon_occurrences_total (stage composite-total_response). The top N slowest subnets. ${PERFMON_SINCE}`,
    unit: 's',
    queries: [{ expr: overRange(mean), legend: `${SUBNET} {{query}}/{{response}}` }],
  });
}

/** The longest exchange of PerfMon's last completed interval, per subnet and exchange. */
export function responseTimeMax() {
  const max = (at: string) => `max by (${BY_EXCHANGE}) (${RESPONSE('kea_perfmon_max_duration_seconds')}${at})`;
  return timeSeries({
    title: 'DHCP response time per subnet (max)',
    description: `The slowest response of the last completed PerfMon interval (kea_perfmon_max_duration_seconds, stage composite-total_response; kea_perfmon_interval_width_seconds says how long an interval is), per subnet and query/response pair. The top N. ${PERFMON_SINCE}`,
    unit: 's',
    queries: [{ expr: overRange(max), legend: `${SUBNET} {{query}}/{{response}}` }],
  });
}
