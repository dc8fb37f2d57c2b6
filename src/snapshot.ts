import type { DaemonKind } from './kea/types.js';
import type { ErrorCode } from './errors.js';
import type { PerfmonDuration } from './kea/perfmon.js';
import type { StatColumns } from './kea/statistics/parse.js';
import type { SubnetInfo } from './kea/statistics/subnets.js';
import type { SharedConfig } from './kea/shared-config.js';
import type { Status } from './kea/status.js';

/** A poll's status-get, as src/kea/status.ts parses it (the protocol layer owns its shape). */
export type { HaRelationship, HaRemote, Status } from './kea/status.js';

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
  /** Kea's statistics as the last poll read them (none while it failed). */
  statistics: StatColumns;
  subnets: ReadonlyMap<number, SubnetInfo>;
  /** Samples left out because of statistics.maxSeries. */
  dropped: number;
  /** Cumulative statistic-get-all failures by reason (config-get is the daemon poller's, counted
   * in its snapshot as command "config-get": the statistics poller sends none). */
  errors: Readonly<Partial<Record<ErrorCode, number>>>;
}

/** One PerfMon duration key: the completed intervals the exporter saw, summed. */
export interface PerfmonTotals {
  /** The key as Kea last reported it (its labels; its last interval). */
  readonly last: PerfmonDuration;
  /** Sums over the completed intervals seen, each counted once (by its start time). */
  readonly occurrences: number;
  readonly totalUsecs: number;
  /** undefined until an interval completed. */
  readonly maxUsecs: number | undefined;
}

/** The last perfmon-get-all-durations of one DHCP daemon that lists the command. */
export interface PerfmonSnapshot extends SeriesOwner {
  daemon: 'dhcp4' | 'dhcp6';
  /** The daemon lists perfmon-get-all-durations (list-commands, once per configuration): only
   * then has it series. */
  listed: boolean;
  up: boolean;
  error?: { code: ErrorCode; message: string };
  polledAt: number;
  lastSuccessAt?: number;
  intervalWidthSecs?: number;
  durations: readonly PerfmonTotals[];
  subnets: ReadonlyMap<number, SubnetInfo>;
  /** Duration keys left out because of statistics.maxSeries (3 series each). */
  dropped: number;
  /** Cumulative failures by command (list-commands, perfmon-get-all-durations) and reason. */
  errors: Readonly<Record<string, Readonly<Partial<Record<ErrorCode, number>>>>>;
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
