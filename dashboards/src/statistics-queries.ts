/** PromQL of the statistics dashboard: the subnet filters and the bounded (top-N) selections that
 * keep every default query of a 5,000-subnet site at a few series. */
import { m, TOP_N } from './shared.js';

export type V = '4' | '6';
export const RATE = '[$__rate_interval]';

/** Labels of one subnet's series (job and instance dropped, so tables merge on these). */
export const BY_SUBNET = 'target, daemon, subnet_id, subnet, shared_network';
/** Labels of one shared network's sums. */
export const BY_NETWORK = 'target, daemon, shared_network';

const SUBNET_FILTER = 'shared_network=~"$shared_network", subnet=~"$subnet"';
const TOP = `$${TOP_N.name}`;

/** A per-subnet family, filtered by the dashboard's shared network and subnet variables. */
export const sub = (metric: string, extra = ''): string => m(metric, extra ? `${SUBNET_FILTER}, ${extra}` : SUBNET_FILTER);
/** A per-pool family: the subnet filters and the pool variable. */
export const pool = (metric: string): string => sub(metric, 'pool=~"$pool"');

/** `kea_dhcp<v>_<name>` */
export const f = (v: V, name: string): string => `kea_dhcp${v}_${name}`;

/** The top-N series of an instant vector. */
export const top = (expr: string): string => `topk(${TOP}, ${expr})`;

/**
 * `expr` over the dashboard's time range, kept to the series that are top-N at its end: the
 * choice is made once (`@ end()`), so a range query returns exactly N series instead of the
 * union of every step's top N, and Prometheus evaluates it once as a step-invariant expression.
 */
export const topOverRange = (expr: string): string => `${expr} and ${top(`${expr} @ end()`)}`;

/** `agg` (sum, max) of a per-subnet family over each shared network's subnets; `filter` (e.g.
 * ` > 0`) applies to the subnets' series. */
export const perNetwork = (agg: 'sum' | 'max', metric: string, filter = ''): string =>
  `${agg} by (${BY_NETWORK}) (${sub(metric, 'shared_network!=""')}${filter})`;

/** Utilisation of each shared network: allocated over capacity summed over its subnets, where Kea
 * allocates from any of them. */
export function networkUtilisation(assigned: string, capacity: string): string {
  return `${perNetwork('sum', assigned)} / ${perNetwork('sum', capacity, ' > 0')}`;
}

/** `metric` summed per subnet, kept to the subnets in `selection`. */
export const perSubnetOf = (metric: string, selection: string): string =>
  `sum by (${BY_SUBNET}) (${sub(metric)} and on (target, daemon, subnet_id) ${selection})`;

/** Per-daemon rate of a per-subnet counter. */
export const rateBySubnetFamily = (metric: string): string => `sum by (target, daemon) (rate(${sub(metric)}${RATE}))`;

/** Per-daemon rate of a packet counter of one message type. */
export const packetRate = (v: V, dir: 'received' | 'sent', type: string): string =>
  `sum by (target, daemon) (rate(${m(f(v, `packets_${dir}_total`), `type="${type}"`)}${RATE}))`;

/**
 * How much a per-subnet counter grew over the time range, counting a counter that appeared inside
 * it from zero: Kea creates a subnet's allocation-failure counters at its first failure, so their
 * first sample already holds failures that increase() alone would never see.
 */
export function increaseFromZero(metric: string, by: string): string {
  const x = sub(metric);
  return `(sum by (${by}) (${x} unless ${x} offset $__range) or sum by (${by}) (increase(${x}[$__range])))`;
}
