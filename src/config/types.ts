import type { DaemonKind } from '../kea/types.js';

/** The validated, defaults-applied, frozen configuration every other module consumes. */
export interface Config {
  listen: { host: string; port: number };
  poll: PollConfig;
  statistics: StatisticsConfig;
  proxy: ProxyConfig;
  otel: OtelConfig;
  /** This replica watches only the targets whose stable hash modulo count equals index. */
  shard: { index: number; count: number };
  /** Key of the HMAC every published config hash goes through (file, else KEA_TELEMETRY_HASH_KEY);
   * undefined: a random key for this process (see src/kea/published-hash.ts). */
  hashKey?: string;
  targets: readonly TargetConfig[];
  /** GET /probe of targets that are not in `targets`: which may be probed, and how. */
  probe: ProbeConfig;
  /** By name: how to reach and read a target given to /probe as an address (`module=`). */
  modules: Readonly<Record<string, ModuleConfig>>;
}

/** GET /probe?target=<address>&module=<name> (see docs/deployment.md#service-discovery). */
export interface ProbeConfig {
  /** Address patterns (src/config/probe-address.ts) that may be probed; empty: none. */
  allow: readonly string[];
  /** Unconfigured targets held at once (their pollers, queues, connections, last results). */
  maxTargets: number;
  /** An unconfigured target not probed for this long is dropped. */
  idleAfterMs: number;
}

/** The settings a probed address gets: what the target entries of the file say for one target. */
export interface ModuleConfig {
  daemon?: DaemonKind;
  labels: Readonly<Record<string, string>>;
  auth?: HttpOptions['auth'];
  tls?: HttpOptions['tls'];
  /** Over the file's `statistics` for these targets. */
  statistics: Partial<Pick<StatisticsConfig, 'enabled' | 'perSubnet' | 'perPool' | 'subnets' | 'maxSeries'>>;
}

/** OTLP export of the same metrics, and traces of polls, commands and proxied requests. */
export interface OtelConfig {
  enabled: boolean;
  /** Base URL (http: /v1/metrics and /v1/traces are appended); default localhost:4318 or :4317 (grpc). */
  endpoint?: string;
  protocol: 'http/protobuf' | 'http/json' | 'grpc';
  headers: Readonly<Record<string, string>>;
  /** Metric export interval. */
  intervalMs: number;
  resourceAttributes: Readonly<Record<string, string | number | boolean>>;
}

/** The Control-Agent-compatible command endpoint (POST /targets/<name>/). */
export interface ProxyConfig {
  enabled: boolean;
  /** Its own listener (e.g. behind TLS); undefined: served beside /metrics. */
  listen?: { host: string; port: number };
  tls?: { cert: string; key: string; clientCa?: string };
  maxBodyBytes: number;
  /** Commands allowed to wait for one daemon (poller and proxy together); more get 503. */
  maxQueued: number;
  /** A proxied command waiting or running longer than this gets 504; a streamed answer not
   * delivered within it (from its slot to the daemon) is cut off. */
  timeoutMs: number;
  /** Proxied answer bytes held in memory at once (collected answers, stream buffers); beyond, 503. */
  maxAnswerBytesInFlight: number;
  rateLimit: { max: number; windowMs: number };
  users: readonly { name: string; password: string; role: string }[];
  tokens: readonly { name: string; token: string; role: string }[];
  roles: Readonly<Record<string, { commands: readonly string[]; targets: readonly string[]; unredacted: boolean }>>;
  /** Control Agents the proxy plays: POST /targets/<name>/ routes `service` to these targets. */
  agents: readonly AgentGroupConfig[];
}

/** One host's daemons under one name, as kea-ctrl-agent's control-sockets: service -> target name. */
export interface AgentGroupConfig {
  name: string;
  services: Readonly<Partial<Record<Exclude<DaemonKind, 'ca'>, string>>>;
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
  /** false: no timers; daemons are polled when GET /probe asks (Prometheus drives the schedule). */
  background: boolean;
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
  proxyMaxBodyBytes: 1024 * 1024,
  proxyMaxQueued: 100,
  proxyTimeout: '30s',
  proxyMaxAnswerBytesInFlight: 64 * 1024 * 1024,
  statisticsMaxSeries: 100_000,
  probeMaxTargets: 2_000,
  probeIdleAfter: '10m',
} as const;
