import { isObj, type Obj } from '../json.js';

/** What the labels of a subnet's statistics need from the daemon's configuration. */
export interface SubnetInfo {
  id: number;
  /** The subnet's `subnet` as Kea prints it: "192.0.2.0/24", "2001:db8:1::/64". */
  prefix: string;
  /** The enclosing shared network's name, "" when none. */
  sharedNetwork: string;
  /** `pools[i].pool` exactly as Kea prints it ("192.0.2.10-192.0.2.200", "2001:db8:1::/80"). */
  pools: string[];
  /** `pd-pools[i]` as "prefix/prefix-len". */
  pdPools: string[];
  /** `pool-id` of pools[i]: statistics name pools by this ID (0 when unset), not by position. */
  poolIds: number[];
  /** `pool-id` of pdPools[i]. */
  pdPoolIds: number[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Kea's subnet and pool IDs are uint32: anything else in their place is not an ID. */
const uint = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff ? v : undefined);

/**
 * config-get arguments of dhcp4/dhcp6 → subnets by id: top-level subnet4/subnet6 and those
 * inside shared-networks. Also accepts the bare `Dhcp4`/`Dhcp6` map. Subnets without a numeric
 * id are skipped (their statistics still get `subnet_id`, with an empty `subnet`). Pure.
 */
export function parseSubnets(configGetArgs: unknown): Map<number, SubnetInfo> {
  const out = new Map<number, SubnetInfo>();
  const root = daemonConfig(configGetArgs);
  if (!root) return out;
  addSubnets(root.subnet4, '', out);
  addSubnets(root.subnet6, '', out);
  const networks = root['shared-networks'];
  if (Array.isArray(networks)) {
    for (const net of networks) {
      if (!isObj(net)) continue;
      const name = str(net.name) ?? '';
      addSubnets(net.subnet4, name, out);
      addSubnets(net.subnet6, name, out);
    }
  }
  return out;
}

/**
 * The `pool` label of a per-pool statistic. Kea's `pool[PID]` is the pools' configured
 * `pool-id` (Kea 2.4+, default 0), and every pool sharing that ID is summed into one statistic,
 * so the label lists all of them, comma-separated, in configuration order. "" when the config
 * has no pool with that ID (config changed since, or no config-get yet).
 */
export function poolLabel(info: SubnetInfo | undefined, poolId: number, pd: boolean): string {
  if (!info) return '';
  const ids = pd ? info.pdPoolIds : info.poolIds;
  const names = pd ? info.pdPools : info.pools;
  let label = '';
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== poolId) continue;
    label = label === '' ? (names[i] ?? '') : `${label},${names[i] ?? ''}`;
  }
  return label;
}

function daemonConfig(args: unknown): Obj | undefined {
  if (!isObj(args)) return undefined;
  if (isObj(args.Dhcp4)) return args.Dhcp4;
  if (isObj(args.Dhcp6)) return args.Dhcp6;
  return 'subnet4' in args || 'subnet6' in args || 'shared-networks' in args ? args : undefined;
}

function addSubnets(list: unknown, sharedNetwork: string, out: Map<number, SubnetInfo>): void {
  if (!Array.isArray(list)) return;
  for (const s of list) {
    if (!isObj(s)) continue;
    const id = uint(s.id);
    if (id === undefined || out.has(id)) continue; // Kea rejects duplicate ids; keep the first
    // Positions are kept even for malformed entries ("") so pools[i] stays the i-th pool. Lists
    // made by map(), of their own size (a fleet holds 20,000 subnets' lists; push leaves room).
    const pools: unknown[] = Array.isArray(s.pools) ? s.pools : [];
    const pdPools: unknown[] = Array.isArray(s['pd-pools']) ? s['pd-pools'] : [];
    const info: SubnetInfo = {
      id,
      prefix: str(s.subnet) ?? '',
      sharedNetwork,
      pools: pools.map((p) => (isObj(p) ? (str(p.pool) ?? '') : '')),
      pdPools: pdPools.map((p) => {
        const prefix = isObj(p) ? str(p.prefix) : undefined;
        const len = isObj(p) ? uint(p['prefix-len']) : undefined;
        return prefix !== undefined && len !== undefined ? `${prefix}/${len}` : '';
      }),
      poolIds: pools.map((p) => (isObj(p) ? (uint(p['pool-id']) ?? 0) : 0)),
      pdPoolIds: pdPools.map((p) => (isObj(p) ? (uint(p['pool-id']) ?? 0) : 0)),
    };
    out.set(id, info);
  }
}
