import type { DaemonKind } from '../kea/types.js';

/** The validated, defaults-applied, frozen configuration every other module consumes. */
export interface Config {
  listen: { host: string; port: number };
  poll: PollConfig;
  statistics: StatisticsConfig;
  targets: readonly TargetConfig[];
}

/** statistic-get-all polling of dhcp4, dhcp6 and d2 daemons, on its own timer. */
export interface StatisticsConfig {
  enabled: boolean;
  intervalMs: number;
  /** Export per-subnet statistics (subnet[ID].x). */
  perSubnet: boolean;
  /** Export per-pool statistics (subnet[ID].pool[N].x, pd-pool[N]). */
  perPool: boolean;
  /** Subnet ids to keep (allow) or drop (deny); deny wins. */
  subnets?: { allow?: readonly number[]; deny?: readonly number[] };
  /** Per daemon: statistics series beyond this are dropped and counted. */
  maxSeries: number;
  /** "kea-exporter": the metric and label names of kea-exporter 0.7. */
  naming: 'default' | 'kea-exporter';
}

export interface PollConfig {
  intervalMs: number;
  timeoutMs: number;
  /** Commands in flight to one daemon at once, shared by poller and proxy. */
  maxInFlight: number;
  /** Largest answer accepted from Kea before failing with too_large. */
  maxAnswerBytes: number;
}

interface TargetBase {
  name: string;
  /** Extra labels on every series of this target. */
  labels: Readonly<Record<string, string>>;
}

/** One daemon's UNIX control socket. `daemon` undefined: detected at first contact. */
export interface SocketTarget extends TargetBase {
  kind: 'socket';
  socket: string;
  daemon?: DaemonKind;
}

export interface HttpOptions {
  url: string;
  auth?: { username: string; password: string };
  tls?: { ca?: string; cert?: string; key?: string; insecureSkipVerify: boolean };
}

/** A Control Agent: polled itself (daemon "ca") and for each service behind it. */
export interface AgentTarget extends TargetBase, HttpOptions {
  kind: 'agent';
  /** undefined: discovered from the agent's control-sockets at first contact. */
  services?: readonly Exclude<DaemonKind, 'ca'>[];
}

/** A Kea 3.0+ daemon's own HTTP(S) control socket (answers wrapped in a list like the agent). */
export interface HttpDaemonTarget extends TargetBase, HttpOptions {
  kind: 'http';
  daemon: DaemonKind;
}

export type TargetConfig = SocketTarget | AgentTarget | HttpDaemonTarget;

export const DEFAULTS = {
  listen: '0.0.0.0:9547',
  port: 9547,
  interval: '5s',
  timeout: '3s',
  maxInFlight: 1,
  maxAnswerBytes: 64 * 1024 * 1024,
  statisticsInterval: '30s',
  statisticsMaxSeries: 100_000,
} as const;
