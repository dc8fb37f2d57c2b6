/** Ready-made command handlers that answer like a Kea daemon of a given version, built
 * from the captures in test/fixtures/kea/2.2.0 and the version table of its README. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { raw, sortedCompact } from './kea-json.js';

export type KeaVersion = '2.2' | '2.4' | '2.6' | '3.0';
export type KeaDaemon = 'dhcp4' | 'dhcp6' | 'd2' | 'ca';
export type HaPreset = 'primary' | 'standby' | 'partner-down';

export interface FakeCommand {
  command: string;
  service?: string[];
  arguments?: unknown;
}

/** Returns the answer: an object (serialized Kea-style), a KeaRaw, or a string/Buffer sent as is. */
export type FakeHandler = (cmd: FakeCommand) => unknown;

export interface KeaHandlerOptions {
  version: KeaVersion;
  daemon: KeaDaemon;
  ha?: HaPreset;
  pid?: number;
  /** Clock in ms; tests can pass a fake one instead of sleeping. */
  now?: () => number;
}

export interface KeaHandler extends FakeHandler {
  readonly version: KeaVersion;
  readonly daemon: KeaDaemon;
  readonly pid: number;
  /** config-hash-get value; undefined on 2.2 (unsupported there). */
  readonly hash: string | undefined;
  /** New pid, uptime and reload back to 0. */
  restart(pid?: number): void;
  /** Replace the running config (with or without the `Dhcp4`-style root); reload back to 0. */
  reloadConfig(config: Record<string, unknown>): void;
  setHaState(local: string, remote: string): void;
}

const FIXTURES = new URL('../fixtures/kea/', import.meta.url);
const ROOT: Record<KeaDaemon, string> = { dhcp4: 'Dhcp4', dhcp6: 'Dhcp6', d2: 'DhcpDdns', ca: 'Control-agent' };

const textCache = new Map<string, string>();
export function fixtureText(rel: string): string {
  let t = textCache.get(rel);
  if (t === undefined) {
    t = readFileSync(new URL(rel, FIXTURES), 'utf8');
    textCache.set(rel, t);
  }
  return t;
}

/** Parsed fixture; the CA's answers come wrapped in a list, so unwrap those. */
export function fixtureAnswer(rel: string): Record<string, unknown> {
  const v: unknown = JSON.parse(fixtureText(rel));
  return (Array.isArray(v) ? v[0] : v) as Record<string, unknown>;
}

/** What a Control Agent adds when it answers an unknown command itself (2.2-3.0, captured). */
const AGENT_HINT = ' You did not include "service" parameter in the command, which indicates that Kea Control Agent should process this command rather than forward it to one or more Kea servers. If you aimed to send this command to one of the Kea servers you should include the "service" parameter in your request, e.g. "service": [ "dhcp4" ] to forward the command to the DHCPv4 server, or "service": [ "dhcp4", "dhcp6", "d2" ] to forward it to DHCPv4, DHCPv6 and D2 servers etc.';

export function unsupported(command: string, daemon?: KeaDaemon): Record<string, unknown> {
  return { result: 2, text: `'${command}' command not supported.${daemon === 'ca' ? AGENT_HINT : ''}` };
}

/** Kea's config-hash-get value: SHA-256 of its compact key-sorted re-serialization. */
export function configHash(config: Record<string, unknown>): string {
  return createHash('sha256').update(sortedCompact(config)).digest('hex').toUpperCase();
}

function baseConfig(daemon: KeaDaemon, version: KeaVersion, ha: boolean): Record<string, unknown> {
  if (daemon !== 'dhcp4') {
    const args = fixtureAnswer(`2.2.0/${daemon}.config-get.json`).arguments as Record<string, unknown>;
    return args[ROOT[daemon]] as Record<string, unknown>;
  }
  // The only dhcp4 capture is the HA primary; without HA drop the hook, and on 2.2 MT is off by default.
  const args = fixtureAnswer('2.2.0/dhcp4-ha-primary.config-get.json').arguments as Record<string, unknown>;
  const cfg = structuredClone(args.Dhcp4) as Record<string, unknown>;
  if (!ha) {
    const hooks = cfg['hooks-libraries'] as Array<{ library: string }>;
    cfg['hooks-libraries'] = hooks.filter((h) => !h.library.endsWith('libdhcp_ha.so'));
    if (version === '2.2') {
      cfg['multi-threading'] = { 'enable-multi-threading': false, 'packet-queue-size': 64, 'thread-pool-size': 0 };
    }
  }
  return cfg;
}

const VERSION_TEXT: Record<Exclude<KeaVersion, '2.2'>, [string, string]> = {
  '2.4': ['2.4.1', '2.4.1\ntarball\nlinked with:\nlog4cplus 2.0.8\nOpenSSL 3.0.11 19 Sep 2023\n'],
  '2.6': ['2.6.3', '2.6.3 (tarball)\nlinked with:\nlog4cplus 2.0.8\nOpenSSL 3.0.13 30 Jan 2024\n'],
  '3.0': ['3.0.0', '3.0.0 (3.0.0 (tarball))\nlinked with:\nlog4cplus 2.0.8\nOpenSSL 3.0.15 3 Sep 2024\n'],
};

/** Kea prints HA system-time as a UTC ptime, seconds precision. */
export function keaTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const D2_STATS = ['ncr-error', 'ncr-invalid', 'ncr-received', 'queue-mgr-queue-full', 'update-error',
  'update-sent', 'update-signed', 'update-success', 'update-timeout', 'update-unsigned'];

export function keaHandler(opts: KeaHandlerOptions): KeaHandler {
  const { version, daemon } = opts;
  const now = opts.now ?? Date.now;
  const modern = version !== '2.2';
  const v26 = version === '2.6' || version === '3.0';
  const haPreset = daemon === 'dhcp4' || daemon === 'dhcp6' ? opts.ha : undefined;
  let pid = opts.pid ?? 4000 + Math.floor(Math.random() * 60000);
  let startedAt = now();
  let reloadedAt = startedAt;
  let config = baseConfig(daemon, version, haPreset !== undefined);
  let hash = configHash({ [ROOT[daemon]]: config });
  let haLocal: string = haPreset === 'partner-down' ? 'partner-down' : 'hot-standby';
  let haRemote: string = haPreset === 'partner-down' ? 'unavailable' : 'hot-standby';

  const seconds = (since: number): number => Math.max(0, Math.floor((now() - since) / 1000));

  function haBlock(): Record<string, unknown> {
    const primary = haPreset !== 'standby';
    const down = haRemote === 'unavailable' || haRemote === '';
    const local: Record<string, unknown> = {
      role: primary ? 'primary' : 'standby',
      scopes: primary && haLocal !== 'waiting' ? ['server1'] : [],
      state: haLocal,
    };
    const remote: Record<string, unknown> = {
      age: down ? 8 : 0,
      'analyzed-packets': 0,
      'communication-interrupted': haRemote === 'unavailable',
      'connecting-clients': 0,
      'in-touch': haRemote !== '',
      'last-scopes': primary || haRemote === '' ? [] : ['server1'],
      'last-state': haRemote,
      role: primary ? 'standby' : 'primary',
      'unacked-clients': 0,
      'unacked-clients-left': haRemote === 'unavailable' ? 1 : 0,
    };
    if (v26) {
      local['server-name'] = primary ? 'server1' : 'server2';
      remote['server-name'] = primary ? 'server2' : 'server1';
    }
    if (version === '3.0') {
      local['system-time'] = keaTime(now());
      remote['system-time'] = haRemote === '' ? null : keaTime(now());
      remote['clock-skew'] = haRemote === '' ? null : 0;
    }
    return { 'ha-mode': 'hot-standby', 'ha-servers': { local, remote } };
  }

  function statusGet(): Record<string, unknown> {
    const args: Record<string, unknown> = { pid, reload: seconds(reloadedAt), uptime: seconds(startedAt) };
    if (daemon === 'd2' || daemon === 'ca') return { arguments: args, result: 0 };
    const mt = (config['multi-threading'] ?? {}) as Record<string, unknown>;
    const mtOn = mt['enable-multi-threading'] === true || (modern && mt['enable-multi-threading'] === undefined);
    args['multi-threading-enabled'] = mtOn;
    if (mtOn) {
      args['thread-pool-size'] = Number(mt['thread-pool-size']) || 4;
      args['packet-queue-size'] = Number(mt['packet-queue-size']) || 64;
      args['packet-queue-statistics'] = raw('[ 0.0, 0.0, 0.0 ]');
    }
    args.sockets = { status: 'ready' };
    if (v26) {
      args['dhcp-state'] = {
        'disabled-by-db-connection': [], 'disabled-by-local-command': [],
        'disabled-by-remote-command': [], 'disabled-by-user': false, 'globally-disabled': false,
      };
      if (daemon === 'dhcp6') args['extended-info-tables'] = false;
    }
    if (haPreset) args['high-availability'] = [haBlock()];
    return { arguments: args, result: 0 };
  }

  function versionGet(): Record<string, unknown> {
    if (version === '2.2') return fixtureAnswer(`2.2.0/${daemon}.version-get.json`);
    const [text, extended] = VERSION_TEXT[version];
    return { arguments: { extended }, result: 0, text };
  }

  function listCommands(): Record<string, unknown> {
    const list = fixtureAnswer(`2.2.0/${daemon}.list-commands.json`).arguments as string[];
    return { arguments: modern ? [...list, 'config-hash-get'].sort() : list, result: 0 };
  }

  function statisticGetAll(): unknown {
    if (daemon === 'dhcp4' || daemon === 'dhcp6') return raw(fixtureText(`2.2.0/${daemon}.statistic-get-all.json`));
    if (daemon === 'ca') return unsupported('statistic-get-all', daemon);
    const stamp = keaTime(startedAt) + '.000000';
    return { arguments: Object.fromEntries(D2_STATS.map((s) => [s, [[0, stamp]]])), result: 0 };
  }

  const handler = (cmd: FakeCommand): unknown => {
    switch (cmd.command) {
      case 'status-get': return statusGet();
      case 'version-get': return versionGet();
      case 'list-commands': return listCommands();
      case 'statistic-get-all': return statisticGetAll();
      case 'config-hash-get':
        return modern ? { arguments: { hash }, result: 0 } : unsupported(cmd.command, daemon);
      case 'config-get': {
        const args: Record<string, unknown> = { [ROOT[daemon]]: config };
        if (modern) args.hash = hash;
        return { arguments: args, result: 0 };
      }
      default: return unsupported(cmd.command, daemon);
    }
  };

  return Object.defineProperties(handler, {
    version: { value: version },
    daemon: { value: daemon },
    pid: { get: () => pid },
    hash: { get: () => (modern ? hash : undefined) },
    restart: {
      value: (newPid?: number) => {
        pid = newPid ?? pid + 1;
        startedAt = now();
        reloadedAt = startedAt;
      },
    },
    reloadConfig: {
      value: (cfg: Record<string, unknown>) => {
        const root = ROOT[daemon];
        config = (root in cfg ? cfg[root] : cfg) as Record<string, unknown>;
        hash = configHash({ [root]: config });
        reloadedAt = now();
      },
    },
    setHaState: {
      value: (local: string, remote: string) => {
        haLocal = local;
        haRemote = remote;
      },
    },
  }) as KeaHandler;
}
