/** Pure builders of the lab's kea-dhcp4 configurations: HA (hot-standby pair, hub-and-spoke,
 * passive-backup), the traffic server, the lease-laden server, Kea 3's TLS server and the servers
 * on PostgreSQL. */
import { HA, HA_SERVERS, LEASE_CMDS, PERFMON, PGSQL_HOOK, daemonRow, leaseFile, type HaServer, type LabDaemon } from './daemons.js';
import { controlSockets, httpUrl, loggers, pool, type LabContext } from './config-parts.js';
import { LEASES_SUBNET } from './leases.js';

type Role = 'primary' | 'secondary' | 'standby' | 'backup';
type Mode = 'hot-standby' | 'passive-backup';

/** The hot-standby pair of Kea 3 talks over the daemons' own authenticated HTTP sockets; every
 * other relationship (and every pair before 3.0) over HA's dedicated listeners. */
function overHttpSockets(ctx: LabContext, server: HaServer): boolean {
  return ctx.install.features.httpSockets && (server === 'server1' || server === 'server2');
}

function peer(ctx: LabContext, name: HaServer, role: Role): Record<string, unknown> {
  if (!overHttpSockets(ctx, name)) return { name, url: `http://127.0.0.1:${ctx.ports.ha[name]}/`, role, 'auto-failover': true };
  const daemon = HA_SERVERS[name] as 'primary' | 'standby';
  return {
    name,
    url: httpUrl(ctx.ports, daemon),
    role,
    'auto-failover': true,
    'basic-auth-user': ctx.auth.user,
    'basic-auth-password': ctx.auth.password,
  };
}

function relationship(ctx: LabContext, self: HaServer, mode: Mode, peers: [HaServer, Role][]): object {
  return {
    'this-server-name': self,
    mode,
    'heartbeat-delay': 1000,
    'max-response-delay': 3000,
    'max-ack-delay': 1000,
    'max-unacked-clients': 0,
    ...(mode === 'passive-backup' ? { 'wait-backup-ack': false } : {}),
    'multi-threading': {
      'enable-multi-threading': true,
      'http-dedicated-listener': !overHttpSockets(ctx, self),
      'http-listener-threads': 2,
      'http-client-threads': 2,
    },
    peers: peers.map(([name, role]) => peer(ctx, name, role)),
  };
}

/** Hub-and-spoke subnets: the hub serves both, each tied to its relationship by `ha-server-name`. */
export const HUB_SUBNETS = { hub1: 101, hub2: 102 } as const;

const PAIR: [HaServer, Role][] = [
  ['server1', 'primary'],
  ['server2', 'standby'],
];
const SPOKE1: [HaServer, Role][] = [
  ['spoke1', 'primary'],
  ['hub1', 'standby'],
];
const SPOKE2: [HaServer, Role][] = [
  ['spoke2', 'primary'],
  ['hub2', 'standby'],
];
const BACKUP: [HaServer, Role][] = [
  ['pb1', 'primary'],
  ['pb2', 'backup'],
];

/** HA relationships and subnets of each HA daemon. */
function haPlan(ctx: LabContext, name: LabDaemon): { rels: object[]; subnets: object[] } | undefined {
  const subnet = (id: number, net: string, haServer?: HaServer) => ({
    id,
    subnet: `${net}.0/24`,
    pools: [pool(ctx, `${net}.10 - ${net}.200`, 1)],
    ...(haServer ? { 'user-context': { 'ha-server-name': haServer } } : {}),
  });
  const hub1 = (tie?: HaServer) => subnet(HUB_SUBNETS.hub1, '198.51.100', tie);
  const hub2 = (tie?: HaServer) => subnet(HUB_SUBNETS.hub2, '203.0.113', tie);
  switch (name) {
    case 'primary':
    case 'standby':
      return {
        rels: [relationship(ctx, name === 'primary' ? 'server1' : 'server2', 'hot-standby', PAIR)],
        subnets: [{ id: 1, subnet: '192.0.2.0/24', pools: [pool(ctx, '192.0.2.10-192.0.2.200', 1)] }],
      };
    case 'hub':
      return {
        rels: [relationship(ctx, 'hub1', 'hot-standby', SPOKE1), relationship(ctx, 'hub2', 'hot-standby', SPOKE2)],
        subnets: [hub1('hub1'), hub2('hub2')],
      };
    case 'spoke1':
      return { rels: [relationship(ctx, 'spoke1', 'hot-standby', SPOKE1)], subnets: [hub1()] };
    case 'spoke2':
      return { rels: [relationship(ctx, 'spoke2', 'hot-standby', SPOKE2)], subnets: [hub2()] };
    case 'pb-primary':
    case 'pb-backup':
      return {
        rels: [relationship(ctx, name === 'pb-primary' ? 'pb1' : 'pb2', 'passive-backup', BACKUP)],
        subnets: [subnet(1, '192.0.2')],
      };
    default:
      return undefined;
  }
}

/**
 * The 'traffic' kea-dhcp4 (no HA) serves real DHCP on 127.0.0.1 at its own port (`-p`): perfdhcp on
 * 127.0.0.2 sends relayed DORA exchanges (giaddr 127.0.0.2) to it. Subnet ids (stable):
 *   1   127.0.0.0/8   plain subnet, pool 127.1.0.1 - 127.1.255.254 (pool-id 5 on 2.6+): perfdhcp's leases
 *   10  10.10.0.0/24  in shared network 'lab-shared', pool .10 - .200 (no traffic)
 *   11  10.11.0.0/24  in shared network 'lab-shared', pool .10 - .200 (no traffic)
 *   20  10.20.0.0/24  plain subnet, pool .10 - .200, meant to be removed by a test with config-set
 * Kea 2.2 has no pool-level statistics; per subnet: subnet[ID].total-addresses, assigned-addresses, ...
 */
export const TRAFFIC_SUBNETS = { loopback: 1, shared: [10, 11], removable: 20 } as const;
export const TRAFFIC_SHARED_NETWORK = 'lab-shared';
export const TRAFFIC_POOL_ID = 5;
/** 'traffic' and 'traffic6' measure their response times with PerfMon (2.6+) in intervals this
 * long; no statistics of its own (stats-mgr-reporting false), so statistic-get-all stays as without it. */
export const TRAFFIC_PERFMON_INTERVAL_SECS = 2;

export function perfmonHook(ctx: LabContext): object[] {
  if (!ctx.install.features.perfmon) return [];
  const parameters = { 'enable-monitoring': true, 'interval-width-secs': TRAFFIC_PERFMON_INTERVAL_SECS, 'stats-mgr-reporting': false };
  return [{ library: ctx.install.hook(PERFMON), parameters }];
}

function trafficBody(ctx: LabContext): Record<string, unknown> {
  const small = (id: number, net: string) => ({ id, subnet: `${net}.0/24`, pools: [pool(ctx, `${net}.10 - ${net}.200`)] });
  return {
    'interfaces-config': {
      interfaces: ['lo/127.0.0.1'],
      'dhcp-socket-type': 'udp',
      // Port taken: exit at start-up instead of running deaf.
      'service-sockets-require-all': true,
    },
    subnet4: [
      { id: TRAFFIC_SUBNETS.loopback, subnet: '127.0.0.0/8', pools: [pool(ctx, '127.1.0.1 - 127.1.255.254', TRAFFIC_POOL_ID)] },
      small(TRAFFIC_SUBNETS.removable, '10.20.0'),
    ],
    'shared-networks': [{ name: TRAFFIC_SHARED_NETWORK, subnet4: [small(10, '10.10.0'), small(11, '10.11.0')] }],
  };
}

/**
 * The 'leases' kea-dhcp4 (no DHCP sockets, no HA): lease_cmds and a persistent memfile preloaded with
 * many leases (src/lab/leases.ts), so lease4-get-all takes seconds. lfc-interval 0: no lease file
 * cleanup rewrites the file under a running test.
 */
function leasesBody(ctx: LabContext): Record<string, unknown> {
  return {
    'lease-database': { type: 'memfile', persist: true, name: leaseFile(ctx.dir), 'lfc-interval': 0 },
    subnet4: [{ id: LEASES_SUBNET.id, subnet: LEASES_SUBNET.subnet, pools: [{ pool: LEASES_SUBNET.pool }] }],
  };
}

/**
 * The PostgreSQL daemons (rows with `pgsql`): leases and host reservations in the lab's database.
 * Kea notices a lost connection at its next use of it: a client's packet, or here the lease
 * reclamation, every second (Kea's default is 10 s).
 */
function pgsqlBody(ctx: LabContext, name: LabDaemon): Record<string, unknown> {
  const row = daemonRow(name).pgsql;
  if (!row || !ctx.pgsql) throw new Error(`Kea lab: ${name} needs a PostgreSQL database (LabOptions.pgsql)`);
  const db = { type: 'postgresql', ...ctx.pgsql, 'on-fail': row.onFail, 'max-reconnect-tries': row.tries, 'reconnect-wait-time': 1000 };
  return {
    'lease-database': db,
    'hosts-database': db,
    'expired-leases-processing': { 'reclaim-timer-wait-time': 1, 'flush-reclaimed-timer-wait-time': 1 },
    subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [pool(ctx, '192.0.2.10 - 192.0.2.200', 1)] }],
  };
}

export function dhcp4Config(ctx: LabContext, name: LabDaemon): object {
  const ha = haPlan(ctx, name);
  const hook = (file: string) => ({ library: ctx.install.hook(file) });
  // 3.0's PostgreSQL backends are a hook, loaded before the databases are opened.
  const pgsqlHook = daemonRow(name).pgsql && ctx.install.features.pgsqlHook ? [hook(PGSQL_HOOK)] : [];
  const hooks = ha
    ? [hook(LEASE_CMDS), { ...hook(HA), parameters: { 'high-availability': ha.rels } }]
    : name === 'tls'
      ? []
      : [...pgsqlHook, hook(LEASE_CMDS), ...(name === 'traffic' ? perfmonHook(ctx) : [])];
  const body = name === 'traffic' ? trafficBody(ctx) : name === 'leases' ? leasesBody(ctx) : daemonRow(name).pgsql ? pgsqlBody(ctx, name) : {};
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [] },
      ...controlSockets(ctx, name),
      'lease-database': { type: 'memfile', persist: false },
      ...(ha ? { 'multi-threading': { 'enable-multi-threading': true, 'thread-pool-size': 4, 'packet-queue-size': 64 } } : {}),
      'valid-lifetime': 7200,
      subnet4: ha?.subnets ?? [],
      ...body,
      ...(hooks.length ? { 'hooks-libraries': hooks } : {}),
      loggers: loggers(ctx, name),
    },
  };
}
