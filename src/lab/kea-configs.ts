/** Pure builders of the Kea 2.2 configurations the local lab runs (see /work/shared/kea/README.md). */
import { join } from 'node:path';

export type LabDaemon = 'primary' | 'standby' | 'dhcp6' | 'd2' | 'ca';
export const LAB_DAEMONS: readonly LabDaemon[] = ['primary', 'standby', 'dhcp6', 'd2', 'ca'];

export const KEA_BINARIES: Record<LabDaemon, string> = {
  primary: '/usr/sbin/kea-dhcp4',
  standby: '/usr/sbin/kea-dhcp4',
  dhcp6: '/usr/sbin/kea-dhcp6',
  d2: '/usr/sbin/kea-dhcp-ddns',
  ca: '/usr/sbin/kea-ctrl-agent',
};

// Debian puts hooks under the multiarch triplet.
export const KEA_HOOKS_DIR = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/kea/hooks`;
export const KEA_HOOKS = ['libdhcp_lease_cmds.so', 'libdhcp_ha.so'].map((f) => join(KEA_HOOKS_DIR, f));

export interface LabPorts {
  haPrimary: number;
  haStandby: number;
  d2: number;
  agent: number;
}

/** Socket and log names follow the HA server names (server1/server2) like the captured configs. */
const BASENAME: Record<LabDaemon, string> = { primary: 'server1', standby: 'server2', dhcp6: 'd6', d2: 'd2', ca: 'ca' };

export function labPaths(dir: string, name: LabDaemon): { config: string; socket: string; log: string } {
  const base = BASENAME[name];
  return { config: join(dir, `${name}.json`), socket: join(dir, `${base}.sock`), log: join(dir, `${base}.log`) };
}

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
  }
}
