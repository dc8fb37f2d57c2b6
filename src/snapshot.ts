import type { DaemonKind } from './kea/types.js';
import type { ErrorCode } from './errors.js';
import type { StatSample } from './kea/statistics/parse.js';
import type { SubnetInfo } from './kea/statistics/subnets.js';
import type { SharedConfig } from './kea/shared-config.js';
import type { DhcpDisabledCause } from './kea/dhcp-state.js';

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

export interface ConfigHash {
  hash: string;
  /** "kea": Kea's own hash; "computed" (2.2, no config-hash-get): Kea's rule applied to the
   * config as config-get prints it (SHA-256 of that text), the value Kea >= 2.4 would give. */
  source: 'kea' | 'computed';
}

/** What every snapshot carries: whose series these are. */
export interface SeriesOwner {
  target: string;
  daemon: DaemonKind | 'unknown';
  labels: Readonly<Record<string, string>>;
}

/** The last statistic-get-all of one daemon, filtered by the statistics config. */
export interface StatisticsSnapshot extends SeriesOwner {
  daemon: 'dhcp4' | 'dhcp6' | 'd2';
  up: boolean;
  error?: { code: ErrorCode; message: string };
  polledAt: number;
  lastSuccessAt?: number;
  pollDurationSeconds: number;
  samples: readonly StatSample[];
  subnets: ReadonlyMap<number, SubnetInfo>;
  /** Samples left out because of statistics.maxSeries. */
  dropped: number;
  /** Cumulative statistic-get-all failures by reason (config-get is the daemon poller's, counted
   * in its snapshot as command "config-get": the statistics poller sends none). */
  errors: Readonly<Partial<Record<ErrorCode, number>>>;
}

/** Everything the renderers need about one daemon, replaced whole after every poll. */
export interface DaemonSnapshot extends SeriesOwner {
  transport: 'unix' | 'http';
  up: boolean;
  error?: { code: ErrorCode; message: string };
  /** Unix ms of the last poll attempt and of the last good one. */
  polledAt?: number;
  lastSuccessAt?: number;
  pollDurationSeconds?: number;
  status?: Status;
  version?: string;
  /** Unix seconds, derived from uptime at the time of the poll. */
  startTime?: number;
  configHash?: ConfigHash;
  /** The configuration without per-server fields, comparable between HA partners. */
  sharedConfig?: SharedConfig;
  configChanges: number;
  lastConfigChangeAt?: number;
  /** Observed HA local-state transitions, per relationship. */
  haTransitions: Readonly<Record<string, number>>;
  /** Cumulative command errors: command -> reason -> count. */
  commandErrors: Readonly<Record<string, Readonly<Partial<Record<ErrorCode, number>>>>>;
  /** The latest poll (running or done) waited past the poll interval while proxied commands held
   * the daemon; the rest of the snapshot is the last known state meanwhile. */
  busy?: boolean;
  /** Cumulative polls that became busy. */
  delayedPolls?: number;
}
