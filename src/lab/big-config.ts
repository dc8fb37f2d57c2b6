/** Pure generator of a large kea-dhcp4 2.2 configuration (thousands of subnets), for benchmarks against a real Kea. */

export interface BigDhcp4Options {
  /** Number of subnets, ids 1..subnets (at most 65,536: one /24 each inside 10.0.0.0/8). */
  subnets: number;
  /** Path of the control UNIX socket (keep it under ~100 bytes: sun_path is 108). */
  socket: string;
  /** Kea's log file (severity WARN: INFO would log one line per subnet at start-up). */
  logFile: string;
  /** Number of shared networks, default floor(subnets / 100). Every 10th subnet (ids 10, 20, ...) is in one, round-robin. */
  sharedNetworks?: number;
}

export const MAX_BIG_SUBNETS = 65_536;
/** Subnets whose id is a multiple of this go into shared networks. */
export const SHARED_EVERY = 10;

/** Subnet `id` is 10.x.y.0/24 with x.y = id - 1 (id 1: 10.0.0.0/24, id 257: 10.1.0.0/24). */
export function bigSubnetPrefix(id: number): string {
  const i = id - 1;
  return `10.${Math.floor(i / 256)}.${i % 256}`;
}

/** Name of shared network k (0-based): `shared-1`, `shared-2`, ... */
export const bigSharedNetworkName = (k: number): string => `shared-${k + 1}`;

/**
 * Layout: subnet id N -> 10.x.y.0/24 (bigSubnetPrefix), one pool .10 - .200 (191 addresses).
 * Ids that are multiples of SHARED_EVERY go into `sharedNetworks` shared networks in turn
 * (id 10 -> shared-1, id 20 -> shared-2, ...); every other subnet is top-level in `subnet4`.
 * No DHCP sockets (interfaces []), in-memory leases, no hooks: only the control channel is used.
 */
export function bigDhcp4Config(opts: BigDhcp4Options): { Dhcp4: Record<string, unknown> } {
  const { subnets, socket, logFile } = opts;
  if (!Number.isInteger(subnets) || subnets < 1 || subnets > MAX_BIG_SUBNETS) {
    throw new Error(`bigDhcp4Config: subnets must be an integer in 1..${MAX_BIG_SUBNETS}, got ${subnets}`);
  }
  const candidates = Math.floor(subnets / SHARED_EVERY);
  const shared = opts.sharedNetworks ?? Math.floor(subnets / 100);
  if (!Number.isInteger(shared) || shared < 0 || shared > candidates) {
    throw new Error(`bigDhcp4Config: sharedNetworks must be an integer in 0..${candidates} for ${subnets} subnets, got ${shared}`);
  }

  type Subnet4 = { id: number; subnet: string; pools: { pool: string }[] };
  const top: Subnet4[] = [];
  const networks: { name: string; subnet4: Subnet4[] }[] = Array.from({ length: shared }, (_, k) => ({
    name: bigSharedNetworkName(k),
    subnet4: [],
  }));
  for (let id = 1; id <= subnets; id++) {
    const p = bigSubnetPrefix(id);
    const subnet: Subnet4 = { id, subnet: `${p}.0/24`, pools: [{ pool: `${p}.10 - ${p}.200` }] };
    const network = shared > 0 && id % SHARED_EVERY === 0 ? networks[(id / SHARED_EVERY - 1) % shared] : undefined;
    (network?.subnet4 ?? top).push(subnet);
  }

  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [] },
      'control-socket': { 'socket-type': 'unix', 'socket-name': socket },
      'lease-database': { type: 'memfile', persist: false },
      'valid-lifetime': 7200,
      subnet4: top,
      ...(networks.length ? { 'shared-networks': networks } : {}),
      loggers: [{ name: 'kea-dhcp4', severity: 'WARN', output_options: [{ output: logFile, flush: true }] }],
    },
  };
}
