/** A fake kea-dhcp4 3.0 serving `subnets` subnets of `pools` pools each (the fleet bench with
 * statistics on): config-get is the 3.0.4 capture's with its subnet list replaced by generated
 * subnets shaped as the captured ones; statistic-get-all carries the captured global statistics
 * and, per subnet and per pool, the statistic names the capture has for them, after traffic:
 * what traffic moves holds Kea's 20 samples (statistic-default-sample-count), the rest one.
 * Values move with the clock, so every statistics poll reads new ones. */
import { fixtureAnswer, keaHandler, type FakeHandler, type KeaHandler } from './kea-handlers.js';
import { raw } from './kea-json.js';

export interface SubnetsShape {
  subnets: number;
  pools: number;
}

const CAPTURE = 'captures/3.0.4/dhcp4.statistic-get-all.json';
/** The capture's subnet with traffic, and its pool with traffic (pool-id 5). */
const TEMPLATE_SUBNET = 'subnet[1].';
const TEMPLATE_POOL = 'subnet[1].pool[5].';
/** Kea's statistic-default-sample-count: a statistic that changed keeps its last 20 values. */
export const SAMPLES = 20;
const POOL_SIZE = 91; // .10 - .100

type Samples = [number, string][];

interface Captured {
  /** Global statistics: name -> samples as captured. */
  globals: Map<string, Samples>;
  /** Statistic names of a subnet (after `subnet[ID].`) and of a pool (after `pool[PID].`). */
  subnet: string[];
  pool: string[];
}

let captured: Captured | undefined;

/** The names and global samples of the 3.0.4 capture (read once). */
export function capturedStatistics(): Captured {
  if (captured) return captured;
  const args = fixtureAnswer(CAPTURE).arguments as Record<string, Samples>;
  const names = Object.keys(args);
  captured = {
    globals: new Map(names.filter((n) => !n.includes('[')).map((n) => [n, args[n]!])),
    subnet: names.filter((n) => n.startsWith(TEMPLATE_SUBNET) && !n.includes('pool[')).map((n) => n.slice(TEMPLATE_SUBNET.length)),
    pool: names.filter((n) => n.startsWith(TEMPLATE_POOL)).map((n) => n.slice(TEMPLATE_POOL.length)),
  };
  return captured;
}

/** Kea's statistics timestamp: local time, microseconds, no zone. */
export function statTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `${date} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

/** The subnets of daemon `index`: ids 1..n, each a /24 of its own with `pools` pools. */
function subnetList(index: number, shape: SubnetsShape, template: Record<string, unknown>): Record<string, unknown>[] {
  return Array.from({ length: shape.subnets }, (_, k) => {
    const id = k + 1;
    const net = `10.${Math.floor(index / 10) % 256}.${((index % 10) * shape.subnets + k) % 256}`;
    const pools = Array.from({ length: shape.pools }, (_, j) => ({
      'option-data': [],
      pool: `${net}.${10 + j * 100}-${net}.${10 + j * 100 + POOL_SIZE - 1}`,
      'pool-id': j + 1,
    }));
    return { ...template, id, subnet: `${net}.0/24`, pools };
  });
}

/** A clock-driven statistic: how many leases a subnet handed out by `s` seconds. */
const leasesBy = (id: number, s: number) => Math.floor(40 + 3 * id + s * (0.05 + 0.01 * (id % 5)));

/** The statistic-get-all text of daemon `index` at `now`, Kea-style (sorted names). */
export function statisticsText(shape: SubnetsShape, index: number, now: number, startedAt: number): string {
  const c = capturedStatistics();
  const s = (now - startedAt) / 1000;
  const start = statTime(startedAt);
  const moving = (v: number): string => {
    const out: string[] = [];
    for (let j = 0; j < SAMPLES && v - j >= 0; j++) out.push(`[ ${v - j}, "${statTime(now - j * 50)}" ]`);
    return `[ ${out.join(', ')} ]`;
  };
  const still = (v: number) => `[ [ ${v}, "${start}" ] ]`;
  const entries: [string, string][] = [];
  let leases = 0;
  for (let id = 1; id <= shape.subnets; id++) {
    const handed = leasesBy(id + (index % 13), s);
    leases += handed;
    const assigned = Math.min(POOL_SIZE, Math.floor(handed / 2));
    const subnetValue = (stat: string): string => {
      if (stat === 'assigned-addresses') return moving(assigned);
      if (stat === 'cumulative-assigned-addresses') return moving(handed);
      if (stat === 'total-addresses') return still(POOL_SIZE * shape.pools);
      return still(0);
    };
    for (const stat of c.subnet) entries.push([`subnet[${id}].${stat}`, subnetValue(stat)]);
    for (let pool = 1; pool <= shape.pools; pool++) {
      // The first pool takes the traffic (Kea's iterative allocator fills pools in order).
      const poolValue = (stat: string): string => {
        if (pool === 1 && stat === 'assigned-addresses') return moving(assigned);
        if (pool === 1 && stat === 'cumulative-assigned-addresses') return moving(handed);
        if (stat === 'total-addresses') return still(POOL_SIZE);
        return still(0);
      };
      for (const stat of c.pool) entries.push([`subnet[${id}].pool[${pool}].${stat}`, poolValue(stat)]);
    }
  }
  // Globals: what traffic moved in the capture moves here, in proportion; the rest as captured.
  for (const [name, samples] of c.globals) {
    const ratio = samples.length > 1 ? samples[0]![0] / 96 : 0; // 96: the capture's leases
    entries.push([name, ratio > 0 ? moving(Math.round(leases * ratio)) : still(samples[0]![0])]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)); // Kea's std::map order
  return `{ "arguments": { ${entries.map(([n, v]) => `"${n}": ${v}`).join(', ')} }, "result": 0 }`;
}

export interface SubnetsDaemon {
  handler: FakeHandler;
  base: KeaHandler;
}

/** Daemon `index` of the fleet: Kea 3.0 kea-dhcp4 (an HA primary when `ha`), its configuration
 * holding the generated subnets (config-hash-get follows), statistic-get-all as above. */
export function subnetsDaemon(index: number, shape: SubnetsShape, ha: boolean, now: () => number = Date.now): SubnetsDaemon {
  const base = keaHandler({ version: '3.0', daemon: 'dhcp4', pid: 10_000 + index, now, ...(ha ? { ha: 'primary' as const } : {}) });
  const current = (base({ command: 'config-get' }) as { arguments: { Dhcp4: Record<string, unknown> } }).arguments.Dhcp4;
  const template = (current.subnet4 as Record<string, unknown>[]).find((x) => x.id === 20)!; // one pool, no reservations
  const config: Record<string, unknown> = { ...current, subnet4: subnetList(index, shape, template) };
  delete config['shared-networks'];
  base.reloadConfig({ Dhcp4: config });
  const startedAt = now();
  const handler: FakeHandler = (cmd) => (cmd.command === 'statistic-get-all' ? raw(statisticsText(shape, index, now(), startedAt)) : base(cmd));
  return { handler, base };
}
