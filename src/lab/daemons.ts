/** The daemons a lab can run: one row each, the only list of them. */
import { join } from 'node:path';
import type { KeaFeatures, KeaProgram } from './kea-install.js';

export const LEASE_CMDS = 'libdhcp_lease_cmds.so';
export const HA = 'libdhcp_ha.so';
export const PGSQL_HOOK = 'libdhcp_pgsql.so';
/** Loaded by 'traffic' where the version has it (KeaFeatures.perfmon). */
export const PERFMON = 'libdhcp_perfmon.so';

interface DaemonRow {
  program: KeaProgram;
  /** Socket and log file names (HA daemons follow their HA server names, like the captures). */
  base: string;
  hooks: readonly string[];
  /** The version feature the daemon needs, if any. */
  needs?: keyof KeaFeatures;
  /** Serves real DHCP on loopback (a UDP server port of its own, `-p`). */
  dhcp?: 4 | 6;
  /** Runs in startLab() when no daemons are named. */
  byDefault?: true;
  /** HA: the state every relationship settles in once all `partners` run. */
  ha?: { settled: string; partners: readonly string[] };
  /** Lease and host database in the lab's PostgreSQL (LabOptions.pgsql), and what Kea does when it
   * loses it: `on-fail` and how many reconnect attempts (1 s apart) before it gives up. */
  pgsql?: { onFail: 'stop-retry-exit' | 'serve-retry-exit' | 'serve-retry-continue'; tries: number };
}

export const LAB_DAEMON_TABLE = {
  primary: { program: 'kea-dhcp4', base: 'server1', hooks: [LEASE_CMDS, HA], byDefault: true, ha: { settled: 'hot-standby', partners: ['standby'] } },
  standby: { program: 'kea-dhcp4', base: 'server2', hooks: [LEASE_CMDS, HA], byDefault: true, ha: { settled: 'hot-standby', partners: ['primary'] } },
  dhcp6: { program: 'kea-dhcp6', base: 'd6', hooks: [], byDefault: true },
  d2: { program: 'kea-dhcp-ddns', base: 'd2', hooks: [], byDefault: true },
  ca: { program: 'kea-ctrl-agent', base: 'ca', hooks: [], byDefault: true },
  traffic: { program: 'kea-dhcp4', base: 'traffic', hooks: [LEASE_CMDS], dhcp: 4 },
  traffic6: { program: 'kea-dhcp6', base: 'traffic6', hooks: [LEASE_CMDS], dhcp: 6, needs: 'v6Traffic' },
  leases: { program: 'kea-dhcp4', base: 'leases', hooks: [LEASE_CMDS] },
  // Hub-and-spoke: the hub is standby to spoke1 (relationship hub1) and to spoke2 (hub2).
  hub: { program: 'kea-dhcp4', base: 'hub', hooks: [LEASE_CMDS, HA], needs: 'hubAndSpoke', ha: { settled: 'hot-standby', partners: ['spoke1', 'spoke2'] } },
  spoke1: { program: 'kea-dhcp4', base: 'spoke1', hooks: [LEASE_CMDS, HA], needs: 'hubAndSpoke', ha: { settled: 'hot-standby', partners: ['hub'] } },
  spoke2: { program: 'kea-dhcp4', base: 'spoke2', hooks: [LEASE_CMDS, HA], needs: 'hubAndSpoke', ha: { settled: 'hot-standby', partners: ['hub'] } },
  'pb-primary': { program: 'kea-dhcp4', base: 'pb1', hooks: [LEASE_CMDS, HA], ha: { settled: 'passive-backup', partners: ['pb-backup'] } },
  'pb-backup': { program: 'kea-dhcp4', base: 'pb2', hooks: [LEASE_CMDS, HA], ha: { settled: 'backup', partners: ['pb-primary'] } },
  // Kea 3: an HTTPS control socket that requires a client certificate.
  tls: { program: 'kea-dhcp4', base: 'tls', hooks: [], needs: 'httpSockets' },
  // PostgreSQL lease and host backends: one that stops serving while it reconnects, one that goes on
  // serving, one that serves until a few attempts fail and then exits.
  pgsql: { program: 'kea-dhcp4', base: 'pgsql', hooks: [LEASE_CMDS], pgsql: { onFail: 'stop-retry-exit', tries: 600 } },
  'pgsql-serve': { program: 'kea-dhcp4', base: 'pgsql-serve', hooks: [LEASE_CMDS], pgsql: { onFail: 'serve-retry-continue', tries: 600 } },
  'pgsql-exit': { program: 'kea-dhcp4', base: 'pgsql-exit', hooks: [LEASE_CMDS], pgsql: { onFail: 'serve-retry-exit', tries: 3 } },
} as const satisfies Record<string, DaemonRow>;

export type LabDaemon = keyof typeof LAB_DAEMON_TABLE;
export const ALL_LAB_DAEMONS = Object.keys(LAB_DAEMON_TABLE) as LabDaemon[];
export const LAB_DAEMONS: readonly LabDaemon[] = ALL_LAB_DAEMONS.filter((d) => (LAB_DAEMON_TABLE[d] as DaemonRow).byDefault);

export const daemonRow = (name: LabDaemon): DaemonRow => LAB_DAEMON_TABLE[name];

/** Daemons this version can run; those of a PostgreSQL backend only in a lab that has one. */
export function daemonsFor(features: KeaFeatures, o: { pgsql?: boolean } = {}): LabDaemon[] {
  return ALL_LAB_DAEMONS.filter((d) => {
    const { needs, pgsql } = daemonRow(d);
    return (!needs || features[needs]) && (!pgsql || o.pgsql === true);
  });
}

/** HA server names and the daemon that plays each; one TCP listener port each (2.2/2.6, and 3.0's
 * dedicated listeners; 3.0's main pair talks over the daemons' own HTTP sockets). */
export const HA_SERVERS = {
  server1: 'primary',
  server2: 'standby',
  spoke1: 'spoke1',
  hub1: 'hub',
  spoke2: 'spoke2',
  hub2: 'hub',
  pb1: 'pb-primary',
  pb2: 'pb-backup',
} as const satisfies Record<string, LabDaemon>;
export type HaServer = keyof typeof HA_SERVERS;

/** Daemons with a Kea 3 HTTP control socket (basic auth) beside their UNIX one. */
export const HTTP_SOCKET_DAEMONS = ['primary', 'standby', 'dhcp6', 'd2'] as const satisfies readonly LabDaemon[];
export type HttpSocketDaemon = (typeof HTTP_SOCKET_DAEMONS)[number];

export interface LabPaths {
  config: string;
  socket: string;
  log: string;
}

export function labPaths(dir: string, name: LabDaemon): LabPaths {
  const base = daemonRow(name).base;
  return { config: join(dir, `${name}.json`), socket: join(socketDir(dir), `${base}.sock`), log: join(dir, `${base}.log`) };
}

/** UNIX sockets live apart, in a dir of mode 0750: Kea 2.6.3+ and 3.0 insist (KEA_CONTROL_SOCKET_DIR). */
export const socketDir = (dir: string): string => join(dir, 'sockets');

/** The memfile the 'leases' daemon loads at start (startLab writes it: LabOptions.leases). */
export const leaseFile = (dir: string): string => join(dir, 'leases4.csv');
