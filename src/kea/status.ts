import { KeaError } from '../errors.js';
import { parseDhcpState, type DhcpDisabledCause } from './dhcp-state.js';
import { MAX_HA_RELATIONSHIPS, MAX_HA_SCOPES, MAX_SOCKET_ERRORS, checkCount, labelValue } from './limits.js';
import { isObj, type Obj } from './json.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** A string that becomes a label value: bounded (limits.ts). */
const str = (v: unknown, what: string): string | undefined => (typeof v === 'string' ? labelValue(v, what) : undefined);
/** The strings of a list, refused (limit) before filtering when the list is past its cap. */
const strs = (v: unknown, cap: number, what: string): string[] => {
  if (!Array.isArray(v)) return [];
  checkCount(v.length, cap, what);
  return v.filter((x): x is string => typeof x === 'string');
};

/** Normalises status-get arguments from any Kea 2.2–3.x daemon. Pure. */
export function parseStatus(args: unknown): Status {
  if (!isObj(args)) throw new KeaError('bad_answer', 'status-get: arguments missing');
  const pid = num(args.pid);
  const uptime = num(args.uptime);
  const reload = num(args.reload);
  if (pid === undefined || uptime === undefined || reload === undefined) {
    throw new KeaError('bad_answer', 'status-get: pid, uptime or reload missing');
  }
  const status: Status = { pid, uptime, reload, ha: parseHa(args['high-availability']) };
  if (typeof args['multi-threading-enabled'] === 'boolean') status.multiThreadingEnabled = args['multi-threading-enabled'];
  const pool = num(args['thread-pool-size']);
  if (pool !== undefined) status.threadPoolSize = pool;
  const queue = num(args['packet-queue-size']);
  if (queue !== undefined) status.packetQueueSize = queue;
  const avg = args['packet-queue-statistics'];
  if (Array.isArray(avg) && avg.length === 3 && avg.every((x) => num(x) !== undefined)) {
    status.packetQueueAverages = [avg[0], avg[1], avg[2]] as [number, number, number];
  }
  if (isObj(args.sockets) && typeof args.sockets.status === 'string') {
    status.sockets = { status: args.sockets.status, errors: strs(args.sockets.errors, MAX_SOCKET_ERRORS, 'status-get sockets.errors') };
  }
  if (isObj(args['dhcp-state'])) {
    const { disabled, by } = parseDhcpState(args['dhcp-state']);
    status.dhcpDisabled = disabled;
    status.dhcpDisabledBy = by;
  }
  return status;
}

const HA = 'status-get high-availability';

function parseHa(v: unknown): HaRelationship[] {
  if (!Array.isArray(v)) return [];
  // Refused before one relationship is built: each would become ~37 series.
  checkCount(v.length, MAX_HA_RELATIONSHIPS, HA);
  return v.filter(isObj).flatMap((rel) => {
    const servers = isObj(rel['ha-servers']) ? rel['ha-servers'] : undefined;
    const local = servers && isObj(servers.local) ? servers.local : undefined;
    if (!local) return [];
    const remote = servers && isObj(servers.remote) ? parseRemote(servers.remote) : undefined;
    const localRole = str(local.role, HA) ?? 'unknown';
    const out: HaRelationship = {
      mode: str(rel['ha-mode'], HA) ?? 'unknown',
      relationship: remote?.serverName ?? remote?.role ?? localRole,
      local: { role: localRole, state: str(local.state, HA) || 'unknown', scopes: strs(local.scopes, MAX_HA_SCOPES, `${HA} scopes`) },
    };
    const name = str(local['server-name'], HA);
    if (name) out.local.serverName = name;
    if (remote) out.remote = remote;
    return [out];
  });
}

function parseRemote(r: Obj): HaRemote {
  const remote: HaRemote = {
    role: str(r.role, HA) ?? 'unknown',
    lastState: str(r['last-state'], HA) || 'unknown',
    age: num(r.age) ?? 0,
    inTouch: r['in-touch'] === true,
    communicationInterrupted: r['communication-interrupted'] === true,
    analyzedPackets: num(r['analyzed-packets']) ?? 0,
    connectingClients: num(r['connecting-clients']) ?? 0,
    unackedClients: num(r['unacked-clients']) ?? 0,
    unackedClientsLeft: num(r['unacked-clients-left']) ?? 0,
  };
  const name = str(r['server-name'], HA);
  if (name) remote.serverName = name;
  const skew = num(r['clock-skew']);
  if (skew !== undefined) remote.clockSkew = skew;
  return remote;
}

/** What one status-get says, normalised across Kea 2.2–3.x. Absent fields were not reported. */
export interface Status {
  pid: number;
  uptime: number;
  reload: number;
  multiThreadingEnabled?: boolean;
  threadPoolSize?: number;
  packetQueueSize?: number;
  /** Averages over the last 10, 100 and 1000 packets. */
  packetQueueAverages?: readonly [number, number, number];
  sockets?: { status: string; errors: string[] };
  /** From dhcp-state (2.6.2+): true when the DHCP service is disabled for any reason. */
  dhcpDisabled?: boolean;
  /** From dhcp-state, with dhcpDisabled: which causes hold it disabled (several may at once). */
  dhcpDisabledBy?: Readonly<Record<DhcpDisabledCause, boolean>>;
  ha: HaRelationship[];
}

export interface HaRelationship {
  mode: string;
  /** Partner's server-name, else the partner's role, else the local role. */
  relationship: string;
  local: { role: string; state: string; scopes: string[]; serverName?: string };
  remote?: HaRemote;
}

export interface HaRemote {
  role: string;
  /** "" before first contact is reported as "unknown". */
  lastState: string;
  age: number;
  inTouch: boolean;
  communicationInterrupted: boolean;
  analyzedPackets: number;
  connectingClients: number;
  unackedClients: number;
  unackedClientsLeft: number;
  serverName?: string;
  /** Seconds (3.0+); undefined when Kea does not know it yet. */
  clockSkew?: number;
}
