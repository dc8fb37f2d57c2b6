/** Pure builders of the Kea configurations the local lab runs, per Kea version (see ../shared/kea/README.md). */
import { daemonRow, type LabDaemon } from './daemons.js';
import { controlSockets, loggers, pool, unixSocket, type LabContext } from './config-parts.js';
import { dhcp4Config, perfmonHook } from './dhcp4-configs.js';

export type { LabContext, LabPorts, PgsqlDatabase } from './config-parts.js';
export { httpUrl } from './config-parts.js';
export { ALL_LAB_DAEMONS, LAB_DAEMONS, labPaths, leaseFile, socketDir, type LabDaemon } from './daemons.js';

/** Without a non-persistent server-id kea-dhcp6 tries to write /var/lib/kea/kea-dhcp6-serverid. */
const SERVER_ID = { type: 'EN', 'enterprise-id': 2495, identifier: '0123456789', persist: false };

/**
 * dhcp6 subnet ids (stable, tests rely on them), for 'dhcp6' and 'traffic6' alike:
 *   1  2001:db8:1::/64  plain subnet, address pool 2001:db8:1::/80 (pool-id 3 on 2.6+) and pd-pool
 *                       2001:db8:8::/56 -> /64 (pool-id 9); 'traffic6' takes relayed traffic here
 *   2  2001:db8:2::/64  inside shared network 'lab-shared6', address pool 2001:db8:2::/80 (no pool-id: 0)
 */
export const DHCP6_SHARED_NETWORK = 'lab-shared6';
export const DHCP6_POOL_IDS = { address: 3, prefix: 9 } as const;

export function dhcp6Config(ctx: LabContext, self: 'dhcp6' | 'traffic6'): object {
  const traffic = self === 'traffic6';
  const pd = { prefix: '2001:db8:8::', 'prefix-len': 56, 'delegated-len': 64 };
  return {
    Dhcp6: {
      // traffic6 answers perfdhcp on ::1 as if through a relay (the subnet's relay address is ::1).
      'interfaces-config': { interfaces: traffic ? ['lo/::1'] : [] },
      ...controlSockets(ctx, self),
      'server-id': SERVER_ID,
      'lease-database': { type: 'memfile', persist: false },
      'preferred-lifetime': 3600,
      'valid-lifetime': 7200,
      subnet6: [
        {
          id: 1,
          subnet: '2001:db8:1::/64',
          ...(traffic ? { relay: { 'ip-addresses': ['::1'] } } : {}),
          pools: [pool(ctx, '2001:db8:1::/80', DHCP6_POOL_IDS.address)],
          'pd-pools': [ctx.install.features.poolIds ? { ...pd, 'pool-id': DHCP6_POOL_IDS.prefix } : pd],
        },
      ],
      'shared-networks': [{ name: DHCP6_SHARED_NETWORK, subnet6: [{ id: 2, subnet: '2001:db8:2::/64', pools: [pool(ctx, '2001:db8:2::/80')] }] }],
      ...(traffic ? { 'hooks-libraries': [{ library: ctx.install.hook(daemonRow(self).hooks[0]!) }, ...perfmonHook(ctx)] } : {}),
      loggers: loggers(ctx, self),
    },
  };
}

export function d2Config(ctx: LabContext): object {
  return {
    DhcpDdns: {
      'ip-address': '127.0.0.1',
      port: ctx.ports.d2,
      ...controlSockets(ctx, 'd2'),
      'forward-ddns': { 'ddns-domains': [] },
      'reverse-ddns': { 'ddns-domains': [] },
      'tsig-keys': [],
      loggers: loggers(ctx, 'd2'),
    },
  };
}

export function agentConfig(ctx: LabContext): object {
  const s = (name: LabDaemon) => unixSocket(ctx, name);
  return {
    'Control-agent': {
      'http-host': '127.0.0.1',
      'http-port': ctx.ports.agent,
      'control-sockets': { dhcp4: s('primary'), dhcp6: s('dhcp6'), d2: s('d2') },
      loggers: loggers(ctx, 'ca'),
    },
  };
}

/** Command-line arguments beyond `-c CONFIG`: the traffic daemons' own DHCP server port. */
export function daemonArgs(ctx: LabContext, name: LabDaemon): string[] {
  const dhcp = (daemonRow(name) as { dhcp?: 4 | 6 }).dhcp;
  return dhcp ? ['-p', String(dhcp === 4 ? ctx.ports.dhcp4 : ctx.ports.dhcp6)] : [];
}

export function labConfig(name: LabDaemon, ctx: LabContext): object {
  switch (name) {
    case 'dhcp6':
    case 'traffic6':
      return dhcp6Config(ctx, name);
    case 'd2':
      return d2Config(ctx);
    case 'ca':
      return agentConfig(ctx);
    default:
      return dhcp4Config(ctx, name);
  }
}

export { TRAFFIC_SHARED_NETWORK, TRAFFIC_SUBNETS, TRAFFIC_POOL_ID, TRAFFIC_PERFMON_INTERVAL_SECS, HUB_SUBNETS } from './dhcp4-configs.js';
