/** Ready-made command handlers that answer like a Kea daemon of a given version: 2.6 and 3.0
 * serve the real 2.6.3 / 3.0.4 captures (test/fixtures/kea/captures), 2.2 the 2.2.0 ones; 2.4,
 * never captured, is 2.2's data with the 2.4 additions of /work/shared/kea/README.md. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dhcpState, haEntry, haPeers, type HaPreset } from './fake-ha.js';
import { keaStringify, raw } from './kea-json.js';

export type KeaVersion = '2.2' | '2.4' | '2.6' | '3.0';
export type KeaDaemon = 'dhcp4' | 'dhcp6' | 'd2' | 'ca';
export type { HaPreset } from './fake-ha.js';

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
const AGENT_HINT =
  ' You did not include "service" parameter in the command, which indicates that Kea Control Agent should process this command rather than forward it to one or more Kea servers. If you aimed to send this command to one of the Kea servers you should include the "service" parameter in your request, e.g. "service": [ "dhcp4" ] to forward the command to the DHCPv4 server, or "service": [ "dhcp4", "dhcp6", "d2" ] to forward it to DHCPv4, DHCPv6 and D2 servers etc.';

export function unsupported(command: string, daemon?: KeaDaemon): Record<string, unknown> {
  return { result: 2, text: `'${command}' command not supported.${daemon === 'ca' ? AGENT_HINT : ''}` };
}

/** Kea's config-hash-get value: SHA-256, uppercase hex, of config-get's arguments (without
 * "hash") exactly as Kea prints them (checked on every 2.6.3 / 3.0.4 capture). */
export function configHash(config: Record<string, unknown>): string {
  return createHash('sha256').update(keaStringify(config)).digest('hex').toUpperCase();
}

/** Where each version's captured answers are; 2.4 has none and borrows 2.2's. */
const CAPTURED = { '2.2': '2.2.0', '2.4': '2.2.0', '2.6': 'captures/2.6.3', '3.0': 'captures/3.0.4' } as const;
/** The captured dhcp4 whose statistic-get-all is `dhcp4.statistic-get-all` (the same server). */
const DHCP4_CONFIG = { '2.2': 'dhcp4-ha-primary', '2.4': 'dhcp4-ha-primary', '2.6': 'dhcp4-ha-primary', '3.0': 'dhcp4-ha-lb-primary' } as const;

function baseConfig(daemon: KeaDaemon, version: KeaVersion, ha: boolean): Record<string, unknown> {
  const name = daemon === 'dhcp4' ? DHCP4_CONFIG[version] : daemon;
  const args = fixtureAnswer(`${CAPTURED[version]}/${name}.config-get.json`).arguments as Record<string, unknown>;
  const cfg = structuredClone(args[ROOT[daemon]]) as Record<string, unknown>;
  // The dhcp4 captures are HA servers; without HA drop the hook, and on 2.2 MT is off by default.
  if (daemon === 'dhcp4' && !ha) {
    const hooks = cfg['hooks-libraries'] as Array<{ library: string }>;
    cfg['hooks-libraries'] = hooks.filter((h) => !h.library.endsWith('libdhcp_ha.so'));
    if (version === '2.2') {
      cfg['multi-threading'] = { 'enable-multi-threading': false, 'packet-queue-size': 64, 'thread-pool-size': 0 };
    }
  }
  return cfg;
}

/** 2.4 was never captured: its first line as the version table gives it, the rest illustrative. */
const VERSION_24: [string, string] = ['2.4.1', '2.4.1\ntarball\nlinked with:\nlog4cplus 2.0.8\nOpenSSL 3.0.11 19 Sep 2023\n'];

/** Kea prints HA system-time as a UTC ptime, seconds precision. */
export function keaTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** 2.2 / 2.4 d2 statistics: as 2.6.3's global ones (queue-mgr-queue-full only came with 3.0). */
const D2_STATS = [
  'ncr-error',
  'ncr-invalid',
  'ncr-received',
  'update-error',
  'update-sent',
  'update-signed',
  'update-success',
  'update-timeout',
  'update-unsigned',
];

export function keaHandler(opts: KeaHandlerOptions): KeaHandler {
  const { version, daemon } = opts;
  const now = opts.now ?? Date.now;
  const modern = version !== '2.2';
  const v26 = version === '2.6' || version === '3.0';
  const captured = CAPTURED[version];
  const haPreset = daemon === 'dhcp4' || daemon === 'dhcp6' ? opts.ha : undefined;
  let pid = opts.pid ?? 4000 + Math.floor(Math.random() * 60000);
  let startedAt = now();
  let reloadedAt = startedAt;
  let config = baseConfig(daemon, version, haPreset !== undefined);
  let hash = configHash({ [ROOT[daemon]]: config });
  const peers = haPreset && haPeers(config, haPreset);
  const usual = peers?.mode === 'load-balancing' ? 'load-balancing' : 'hot-standby';
  let haLocal: string = haPreset === 'partner-down' ? 'partner-down' : haPreset === 'backup' ? 'backup' : usual;
  let haRemote: string = haPreset === 'partner-down' ? 'unavailable' : usual;

  const seconds = (since: number): number => Math.max(0, Math.floor((now() - since) / 1000));

  function haBlock(): Record<string, unknown> {
    return haEntry({
      peers: peers!,
      local: haLocal,
      remote: haRemote,
      named: v26,
      clocks: version === '3.0',
      time: keaTime(now()),
    });
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
      args['dhcp-state'] = dhcpState(haPreset && haLocal);
      if (daemon === 'dhcp6') args['extended-info-tables'] = false;
    }
    if (haPreset) args['high-availability'] = [haBlock()];
    return { arguments: args, result: 0 };
  }

  function versionGet(): Record<string, unknown> {
    if (version !== '2.4') return fixtureAnswer(`${captured}/${daemon}.version-get.json`);
    const [text, extended] = VERSION_24;
    return { arguments: { extended }, result: 0, text };
  }

  function listCommands(): Record<string, unknown> {
    const list = fixtureAnswer(`${captured}/${daemon}.list-commands.json`).arguments as string[];
    return { arguments: version === '2.4' ? [...list, 'config-hash-get'].sort() : list, result: 0 };
  }

  function statisticGetAll(): unknown {
    if (daemon === 'ca') return unsupported('statistic-get-all', daemon);
    // Served byte for byte (128-bit counters, per-pool pool[PID] / pd-pool[PID] names).
    if (daemon !== 'd2' || v26) return raw(fixtureText(`${captured}/${daemon}.statistic-get-all.json`));
    const stamp = keaTime(startedAt) + '.000000';
    return { arguments: Object.fromEntries(D2_STATS.map((s) => [s, [[0, stamp]]])), result: 0 };
  }

  const handler = (cmd: FakeCommand): unknown => {
    switch (cmd.command) {
      case 'status-get':
        return statusGet();
      case 'version-get':
        return versionGet();
      case 'list-commands':
        return listCommands();
      case 'statistic-get-all':
        return statisticGetAll();
      case 'config-hash-get':
        return modern ? { arguments: { hash }, result: 0 } : unsupported(cmd.command, daemon);
      case 'config-get': {
        const args: Record<string, unknown> = { [ROOT[daemon]]: config };
        if (modern) args.hash = hash;
        return { arguments: args, result: 0 };
      }
      default:
        return unsupported(cmd.command, daemon);
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
