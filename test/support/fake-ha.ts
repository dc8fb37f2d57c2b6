/** The fake's HA status block and dhcp-state, as the real 2.6.3 / 3.0.4 daemons print them
 * (test/fixtures/kea/captures; test/support/fake-shape.test.ts keeps the two alike). Pure. */

export type HaPreset = 'primary' | 'standby' | 'partner-down' | 'backup';

interface Peer {
  name: string;
  role: string;
}
export interface HaPeers {
  mode: string;
  local: Peer;
  remote: Peer;
}

/** Who is who, from the config's HA hook (the first relationship); hot-standby server1/server2 without one. */
export function haPeers(config: Record<string, unknown>, preset: HaPreset): HaPeers {
  const hooks = (config['hooks-libraries'] ?? []) as Array<{ library: string; parameters?: Record<string, unknown> }>;
  const rels = hooks.find((h) => h.library.endsWith('libdhcp_ha.so'))?.parameters?.['high-availability'];
  const rel = (Array.isArray(rels) ? rels[0] : undefined) as { 'this-server-name'?: string; mode?: string; peers?: Peer[] } | undefined;
  const peers = rel?.peers ?? [
    { name: 'server1', role: 'primary' },
    { name: 'server2', role: 'standby' },
  ];
  const me = peers.find((p) => p.name === rel?.['this-server-name']) ?? peers[0]!;
  const other = peers.find((p) => p !== me) ?? { name: 'server2', role: 'standby' };
  if (preset === 'backup') return { mode: 'passive-backup', local: { name: other.name, role: 'backup' }, remote: me };
  const standby = preset === 'standby';
  return { mode: rel?.mode ?? 'hot-standby', local: standby ? other : me, remote: standby ? me : other };
}

/** States in which HA itself disables DHCP (origin 1000), as captured: the server serves no scope. */
const NO_SCOPES = new Set(['backup', 'waiting', 'ready', 'syncing', 'in-maintenance']);
/** HA's local-command origin (Kea's NetworkState::HA_LOCAL_COMMAND). */
const HA_ORIGIN = 1000;

/** The scopes `self` serves in `state`. */
function scopes(state: string, mode: string, self: Peer, other: Peer): string[] {
  if (NO_SCOPES.has(state)) return [];
  if (mode === 'passive-backup') return [self.name];
  const primary = self.role === 'primary' ? self : other;
  const takeover = state === 'partner-down' || state === 'partner-in-maintenance';
  if (mode === 'load-balancing') return takeover ? [primary.name, (self === primary ? other : self).name] : [self.name];
  return takeover || self.role === 'primary' ? [primary.name] : []; // hot-standby: the primary's scope
}

export interface HaView {
  peers: HaPeers;
  local: string;
  /** The partner's last state as seen here: "" before first contact, "unavailable" when lost. */
  remote: string;
  /** 2.6+: server-name; 3.0+: system-time and clock-skew. */
  named: boolean;
  clocks: boolean;
  time: string;
}

/** One status-get high-availability entry. */
export function haEntry(v: HaView): Record<string, unknown> {
  const { mode, local: me, remote: partner } = v.peers;
  // 3.0 prints both clocks and the skew as null while the partner is unknown or lost.
  const lost = v.remote === '' || v.remote === 'unavailable';
  const local: Record<string, unknown> = { role: me.role, scopes: scopes(v.local, mode, me, partner), state: v.local };
  if (v.named) local['server-name'] = me.name;
  if (v.clocks) local['system-time'] = lost || mode === 'passive-backup' ? null : v.time;
  if (mode === 'passive-backup') return { 'ha-mode': mode, 'ha-servers': { local } }; // no remote for a backup
  const usual = mode === 'load-balancing' ? 'load-balancing' : 'hot-standby';
  const remote: Record<string, unknown> = {
    age: v.remote === 'unavailable' ? 8 : 0,
    'analyzed-packets': 0,
    'communication-interrupted': v.remote === 'unavailable',
    'connecting-clients': 0,
    'in-touch': v.remote !== '',
    'last-scopes': v.remote === '' ? [] : scopes(v.remote === 'unavailable' ? usual : v.remote, mode, partner, me),
    'last-state': v.remote,
    role: partner.role,
    'unacked-clients': 0,
    'unacked-clients-left': v.remote === 'unavailable' ? 1 : 0,
  };
  if (v.named) remote['server-name'] = partner.name;
  if (v.clocks) {
    remote['system-time'] = lost ? null : v.time;
    remote['clock-skew'] = lost ? null : 0;
  }
  return { 'ha-mode': mode, 'ha-servers': { local, remote } };
}

/** status-get dhcp-state (2.6.2+): HA disables DHCP in the states where it serves no scope. */
export function dhcpState(haLocal: string | undefined): Record<string, unknown> {
  const byHa = haLocal !== undefined && NO_SCOPES.has(haLocal);
  return {
    'disabled-by-db-connection': [],
    'disabled-by-local-command': byHa ? [HA_ORIGIN] : [],
    'disabled-by-remote-command': [],
    'disabled-by-user': false,
    'globally-disabled': byHa,
  };
}
