/** Pure builders of the Kea 2.2 configurations the local lab runs (see /work/shared/kea/README.md). */
import { join } from 'node:path';
import { LEASES_SUBNET } from './leases.js';

export type LabDaemon = 'primary' | 'standby' | 'dhcp6' | 'd2' | 'ca' | 'traffic' | 'leases';
/** What startLab() starts by default. */
export const LAB_DAEMONS: readonly LabDaemon[] = ['primary', 'standby', 'dhcp6', 'd2', 'ca'];
/**
 * Every daemon the lab can run (configs are written for all of them). 'traffic' is opt-in: it binds
 * the real DHCP port 127.0.0.1:67, which only ONE process on the machine can hold at a time, so
 * two labs with 'traffic' (e.g. two test runs at once) cannot coexist; the second fails to start.
 */
export const ALL_LAB_DAEMONS: readonly LabDaemon[] = [...LAB_DAEMONS, 'traffic', 'leases'];

export const KEA_BINARIES: Record<LabDaemon, string> = {
  primary: '/usr/sbin/kea-dhcp4',
  standby: '/usr/sbin/kea-dhcp4',
  dhcp6: '/usr/sbin/kea-dhcp6',
  d2: '/usr/sbin/kea-dhcp-ddns',
  ca: '/usr/sbin/kea-ctrl-agent',
  traffic: '/usr/sbin/kea-dhcp4',
  leases: '/usr/sbin/kea-dhcp4',
};

// Debian puts hooks under the multiarch triplet.
export const KEA_HOOKS_DIR = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/kea/hooks`;
export const KEA_HOOKS = ['libdhcp_lease_cmds.so', 'libdhcp_ha.so'].map((f) => join(KEA_HOOKS_DIR, f));
export const LEASE_CMDS_HOOK = join(KEA_HOOKS_DIR, 'libdhcp_lease_cmds.so');

export interface LabPorts {
  haPrimary: number;
  haStandby: number;
  d2: number;
  agent: number;
}

/** Socket and log names follow the HA server names (server1/server2) like the captured configs. */
const BASENAME: Record<LabDaemon, string> = {
  primary: 'server1',
  standby: 'server2',
  dhcp6: 'd6',
  d2: 'd2',
  ca: 'ca',
  traffic: 'traffic',
  leases: 'leases',
};

export function labPaths(dir: string, name: LabDaemon): { config: string; socket: string; log: string } {
  const base = BASENAME[name];
  return { config: join(dir, `${name}.json`), socket: join(dir, `${base}.sock`), log: join(dir, `${base}.log`) };
}

/** The memfile the 'leases' daemon loads at start (startLab writes it: LabOptions.leases). */
export const leaseFile = (dir: string): string => join(dir, 'leases4.csv');

function unixSocket(dir: string, name: LabDaemon) {
  return { 'socket-type': 'unix', 'socket-name': labPaths(dir, name).socket };
}

function loggers(dir: string, self: LabDaemon, logger: string) {
  // INFO, not WARN: start-up failures and HA transitions should be in the tail we report.
  return [
    { name: logger, severity: 'INFO', debuglevel: 0, output_options: [{ output: labPaths(dir, self).log, flush: true }] },
  ];
}

export function dhcp4HaConfig(dir: string, self: 'primary' | 'standby', ports: LabPorts): object {
  const [lease, ha] = KEA_HOOKS;
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [] },
      'control-socket': unixSocket(dir, self),
      'lease-database': { type: 'memfile', persist: false },
      'multi-threading': { 'enable-multi-threading': true, 'thread-pool-size': 4, 'packet-queue-size': 64 },
      'valid-lifetime': 7200,
      subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.10-192.0.2.200' }] }],
      'hooks-libraries': [
        { library: lease },
        {
          library: ha,
          parameters: {
            'high-availability': [
              {
                'this-server-name': self === 'primary' ? 'server1' : 'server2',
                mode: 'hot-standby',
                'heartbeat-delay': 1000,
                'max-response-delay': 3000,
                'max-ack-delay': 1000,
                'max-unacked-clients': 0,
                // Dedicated listener: partners talk HTTP directly, no Control Agent between them.
                'multi-threading': {
                  'enable-multi-threading': true,
                  'http-dedicated-listener': true,
                  'http-listener-threads': 2,
                  'http-client-threads': 2,
                },
                peers: [
                  { name: 'server1', url: `http://127.0.0.1:${ports.haPrimary}/`, role: 'primary', 'auto-failover': true },
                  { name: 'server2', url: `http://127.0.0.1:${ports.haStandby}/`, role: 'standby', 'auto-failover': true },
                ],
              },
            ],
          },
        },
      ],
      loggers: loggers(dir, self, 'kea-dhcp4'),
    },
  };
}

/**
 * dhcp6 subnet ids (stable, tests rely on them):
 *   1  2001:db8:1::/64  plain subnet, address pool 2001:db8:1::/80 (pool 0) and pd-pool 2001:db8:8::/56 -> /64 (pd-pool 0)
 *   2  2001:db8:2::/64  inside shared network 'lab-shared6', address pool 2001:db8:2::/80
 */
export const DHCP6_SHARED_NETWORK = 'lab-shared6';

export function dhcp6Config(dir: string): object {
  return {
    Dhcp6: {
      'interfaces-config': { interfaces: [] },
      'control-socket': unixSocket(dir, 'dhcp6'),
      // Without a non-persistent server-id kea-dhcp6 tries to write /var/lib/kea/kea-dhcp6-serverid.
      'server-id': { type: 'EN', 'enterprise-id': 2495, identifier: '0123456789', persist: false },
      'lease-database': { type: 'memfile', persist: false },
      'preferred-lifetime': 3600,
      'valid-lifetime': 7200,
      subnet6: [
        {
          id: 1,
          subnet: '2001:db8:1::/64',
          pools: [{ pool: '2001:db8:1::/80' }],
          'pd-pools': [{ prefix: '2001:db8:8::', 'prefix-len': 56, 'delegated-len': 64 }],
        },
      ],
      'shared-networks': [
        { name: DHCP6_SHARED_NETWORK, subnet6: [{ id: 2, subnet: '2001:db8:2::/64', pools: [{ pool: '2001:db8:2::/80' }] }] },
      ],
      loggers: loggers(dir, 'dhcp6', 'kea-dhcp6'),
    },
  };
}

export function d2Config(dir: string, ports: LabPorts): object {
  return {
    DhcpDdns: {
      'ip-address': '127.0.0.1',
      port: ports.d2,
      'control-socket': unixSocket(dir, 'd2'),
      'forward-ddns': { 'ddns-domains': [] },
      'reverse-ddns': { 'ddns-domains': [] },
      'tsig-keys': [],
      loggers: loggers(dir, 'd2', 'kea-dhcp-ddns'),
    },
  };
}

export function agentConfig(dir: string, ports: LabPorts): object {
  return {
    'Control-agent': {
      'http-host': '127.0.0.1',
      'http-port': ports.agent,
      'control-sockets': { dhcp4: unixSocket(dir, 'primary'), dhcp6: unixSocket(dir, 'dhcp6'), d2: unixSocket(dir, 'd2') },
      loggers: loggers(dir, 'ca', 'kea-ctrl-agent'),
    },
  };
}

/**
 * The standalone 'traffic' kea-dhcp4 (no HA) that serves real DHCP on loopback: perfdhcp on
 * 127.0.0.2 sends relayed DORA exchanges (giaddr 127.0.0.2) to 127.0.0.1:67. Subnet ids (stable):
 *   1   127.0.0.0/8   plain subnet, pool 127.1.0.1 - 127.1.255.254: the perfdhcp clients' leases
 *   10  10.10.0.0/24  in shared network 'lab-shared', pool .10 - .200 (no traffic)
 *   11  10.11.0.0/24  in shared network 'lab-shared', pool .10 - .200 (no traffic)
 *   20  10.20.0.0/24  plain subnet, pool .10 - .200, meant to be removed by a test with config-set
 * Kea 2.2 has no pool-level statistics; per subnet: subnet[ID].total-addresses, assigned-addresses, ...
 */
export const TRAFFIC_SUBNETS = { loopback: 1, shared: [10, 11], removable: 20 } as const;
export const TRAFFIC_SHARED_NETWORK = 'lab-shared';

export function trafficConfig(dir: string): object {
  const small = (id: number, net: string) => ({ id, subnet: `${net}.0/24`, pools: [{ pool: `${net}.10 - ${net}.200` }] });
  return {
    Dhcp4: {
      'interfaces-config': {
        interfaces: ['lo/127.0.0.1'],
        'dhcp-socket-type': 'udp',
        // Port 67 taken (another lab's traffic daemon): exit at start-up instead of running deaf.
        'service-sockets-require-all': true,
      },
      'control-socket': unixSocket(dir, 'traffic'),
      'lease-database': { type: 'memfile', persist: false },
      'valid-lifetime': 7200,
      subnet4: [
        { id: TRAFFIC_SUBNETS.loopback, subnet: '127.0.0.0/8', pools: [{ pool: '127.1.0.1 - 127.1.255.254' }] },
        small(TRAFFIC_SUBNETS.removable, '10.20.0'),
      ],
      'shared-networks': [
        { name: TRAFFIC_SHARED_NETWORK, subnet4: [small(10, '10.10.0'), small(11, '10.11.0')] },
      ],
      'hooks-libraries': [{ library: LEASE_CMDS_HOOK }],
      loggers: loggers(dir, 'traffic', 'kea-dhcp4'),
    },
  };
}

/**
 * The standalone 'leases' kea-dhcp4 (no DHCP sockets, no HA): lease_cmds and a persistent memfile
 * preloaded with many leases (src/lab/leases.ts), so lease4-get-all takes seconds. lfc-interval 0:
 * no lease file cleanup rewrites the file under a running test.
 */
export function leasesConfig(dir: string): object {
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [] },
      'control-socket': unixSocket(dir, 'leases'),
      'lease-database': { type: 'memfile', persist: true, name: leaseFile(dir), 'lfc-interval': 0 },
      'valid-lifetime': 7200,
      subnet4: [{ id: LEASES_SUBNET.id, subnet: LEASES_SUBNET.subnet, pools: [{ pool: LEASES_SUBNET.pool }] }],
      'hooks-libraries': [{ library: LEASE_CMDS_HOOK }],
      loggers: loggers(dir, 'leases', 'kea-dhcp4'),
    },
  };
}

export function labConfig(name: LabDaemon, dir: string, ports: LabPorts): object {
  switch (name) {
    case 'primary':
    case 'standby':
      return dhcp4HaConfig(dir, name, ports);
    case 'dhcp6':
      return dhcp6Config(dir);
    case 'd2':
      return d2Config(dir, ports);
    case 'ca':
      return agentConfig(dir, ports);
    case 'traffic':
      return trafficConfig(dir);
    case 'leases':
      return leasesConfig(dir);
  }
}
