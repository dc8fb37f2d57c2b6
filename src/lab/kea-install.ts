/**
 * Where each Kea version the lab runs lives and how its programs start. 2.2 is the system's
 * Debian packages; 2.6 (trixie) and 3.0 (sid) are unpacked into a cache by scripts/kea-versions.sh
 * and start through their own suite's loader, so they never touch the system's libraries.
 */
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KEA_VERSIONS = ['2.2', '2.6', '3.0'] as const;
export type KeaVersion = (typeof KEA_VERSIONS)[number];
/** What the demo and startLab() run when no version is given. */
export const NEWEST_KEA: KeaVersion = '3.0';

export type KeaProgram = 'kea-dhcp4' | 'kea-dhcp6' | 'kea-dhcp-ddns' | 'kea-ctrl-agent' | 'perfdhcp' | 'kea-shell';

export function isKeaVersion(v: string): v is KeaVersion {
  return (KEA_VERSIONS as readonly string[]).includes(v);
}

/** What a version can do, as far as the lab is concerned (from ../shared/kea/README.md). */
export interface KeaFeatures {
  /** config-hash-get and `"hash"` in config-get (2.4+). */
  configHashGet: boolean;
  /** status-get `dhcp-state` (2.6.2+). */
  dhcpState: boolean;
  /** One HA server in several relationships (2.6+). */
  hubAndSpoke: boolean;
  /** Daemons serve HTTP(S) control sockets themselves (3.0). */
  httpSockets: boolean;
  /** Pools carry `pool-id` and per-pool statistics (2.6+). */
  poolIds: boolean;
  /** perfdhcp can play a v6 relay with the relay-source-port option (`--or`; not in 2.2's). */
  v6Traffic: boolean;
  /** The PostgreSQL backends are a hook, libdhcp_pgsql.so (3.0); built in before. */
  pgsqlHook: boolean;
  /** The PerfMon hook, libdhcp_perfmon.so (2.6+). */
  perfmon: boolean;
}

export const KEA_FEATURES: Record<KeaVersion, KeaFeatures> = {
  '2.2': { configHashGet: false, dhcpState: false, hubAndSpoke: false, httpSockets: false, poolIds: false, v6Traffic: false, pgsqlHook: false, perfmon: false },
  '2.6': { configHashGet: true, dhcpState: true, hubAndSpoke: true, httpSockets: false, poolIds: true, v6Traffic: true, pgsqlHook: false, perfmon: true },
  '3.0': { configHashGet: true, dhcpState: true, hubAndSpoke: true, httpSockets: true, poolIds: true, v6Traffic: true, pgsqlHook: true, perfmon: true },
};

const ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
const LIB = `usr/lib/${ARCH}-linux-gnu`;
const PGSQL_SCHEMA = 'usr/share/kea/scripts/pgsql/dhcpdb_create.pgsql';

export const KEA_VERSIONS_CACHE = process.env.KEA_VERSIONS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kea-telemetry', 'kea');

export interface KeaInstall {
  version: KeaVersion;
  features: KeaFeatures;
  /** Directory holding this version's hook libraries. */
  hooksDir: string;
  /** A hook library as this version's config takes it: 3.0 by file name only (from KEA_HOOKS_PATH). */
  hook(file: string): string;
  /** The executable and arguments that run `program args` of this version. */
  command(program: KeaProgram, args: string[]): { file: string; args: string[] };
  /** Environment for a daemon whose pid, lock, log and data files go to `dir`, sockets to `socketDir`. */
  env(dir: string, socketDir: string): Record<string, string>;
  /** This version's own schema of the PostgreSQL lease and host database (what `kea-admin db-init pgsql` runs). */
  pgsqlSchema: string;
  /** Files this version needs that are missing, with how to get them (empty: ready). */
  missing(programs: KeaProgram[], hooks: string[]): Promise<string[]>;
}

function systemKea(): KeaInstall {
  const hooksDir = `/${LIB}/kea/hooks`;
  const path = (p: KeaProgram) => (p === 'kea-shell' ? '/usr/sbin/kea-shell' : `/usr/sbin/${p}`);
  return {
    version: '2.2',
    features: KEA_FEATURES['2.2'],
    hooksDir,
    hook: (file) => join(hooksDir, file),
    command: (program, args) => ({ file: path(program), args }),
    env: (dir) => ({ KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir }), // else /run/kea, unwritable
    pgsqlSchema: `/${PGSQL_SCHEMA}`,
    missing: (programs, hooks) =>
      absent(
        [...programs.map(path), ...hooks.map((h) => join(hooksDir, h))],
        'apt-get install -y kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server kea-ctrl-agent kea-admin',
      ),
  };
}

function cachedKea(version: Exclude<KeaVersion, '2.2'>): KeaInstall {
  const root = join(KEA_VERSIONS_CACHE, version, 'root');
  const hooksDir = join(root, LIB, 'kea/hooks');
  const loader = join(root, LIB, `ld-linux-${ARCH.replace('_', '-')}.so.${ARCH === 'aarch64' ? 1 : 2}`);
  const libraryPath = `${join(root, LIB)}:${join(root, `lib/${ARCH}-linux-gnu`)}`;
  const program = (p: KeaProgram) => join(root, 'usr/sbin', p);
  return {
    version,
    features: KEA_FEATURES[version],
    hooksDir,
    hook: (file) => (version === '3.0' ? file : join(hooksDir, file)),
    // kea-shell is a python3 script: the system's python runs it, with this version's connector.
    command: (p, args) =>
      p === 'kea-shell' ? { file: 'python3', args: [program(p), ...args] } : { file: loader, args: ['--library-path', libraryPath, program(p), ...args] },
    env: (dir, socketDir) => ({
      KEA_PIDFILE_DIR: dir,
      KEA_LOCKFILE_DIR: dir,
      KEA_LOG_FILE_DIR: dir,
      KEA_DHCP_DATA_DIR: dir,
      KEA_CONTROL_SOCKET_DIR: socketDir, // 2.6.3+ and 3.0 refuse sockets elsewhere
      KEA_HOOKS_PATH: hooksDir,
      // kea-shell adds the system's connector dir to sys.path; this version's must come first.
      PYTHONPATH: join(root, 'usr/lib/python3/dist-packages/kea'),
    }),
    pgsqlSchema: join(root, PGSQL_SCHEMA),
    missing: (programs, hooks) => absent([loader, ...programs.map(program), ...hooks.map((h) => join(hooksDir, h))], `scripts/kea-versions.sh ${version}`),
  };
}

async function absent(files: string[], hint: string): Promise<string[]> {
  const missing: string[] = [];
  for (const f of files) await access(f, constants.R_OK).catch(() => missing.push(f));
  return missing.length ? [...missing, `(get them with: ${hint})`] : [];
}

export function keaInstall(version: KeaVersion): KeaInstall {
  return version === '2.2' ? systemKea() : cachedKea(version);
}
