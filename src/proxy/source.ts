/** What the proxy needs of the exporter, and nothing more: App satisfies these as it is (its
 * targets, their endpoints, its renderer), and a test may pass a small stub. */
import type { ProxyConfig, TargetConfig } from '../config/types.js';
import type { KeaAnswer } from '../kea/types.js';
import type { Log } from '../log.js';
import type { DaemonSnapshot } from '../snapshot.js';
import type { AnswerStream } from '../transport/stream.js';

/** A counter the proxy increments (prom-client's Counter is one). */
export interface Count<L extends string> {
  inc(labels: Partial<Record<L, string>>): void;
}

/** A gauge the proxy sets. */
export interface Level {
  set(value: number): void;
}

/** Where the proxy's (and the listeners') own metrics are made: the registry of /metrics. */
export interface MetricsRegistry {
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Count<L>;
  gauge(name: string, help: string): Level;
}

/** What one proxied exchange reports for its span: Kea's result code (when known) and the bytes. */
export interface ExchangeOutcome {
  result: number | undefined;
  bytes: number;
}

/** One daemon as the proxy reaches it: through that daemon's one command queue. */
export interface ProxyEndpoint {
  /** Names the daemon in messages and logs (target, and service behind an agent). */
  readonly label: string;
  /** unix: Kea answers a map; http: a list of one. */
  readonly transport: { readonly kind: 'unix' | 'http' };
  /** The command in a queue slot, after the poller's commands, its answer read by `consume` as
   * it arrives; refused (queue_full) when too many wait. `admit` runs once the slot is got. */
  forward(
    command: string,
    timeoutMs: number,
    args: Record<string, unknown> | undefined,
    consume: (answer: AnswerStream, signal: AbortSignal) => Promise<ExchangeOutcome>,
    opts?: { cancel?: AbortSignal; admit?: () => void },
  ): Promise<ExchangeOutcome>;
  /** A complete answer of this daemon, parsed and as text (the element of an HTTP list). */
  answerOf(text: string, command: string): { answer: KeaAnswer; text: string };
}

/** One configured target as the proxy sees it. */
export interface ProxyTarget {
  readonly name: string;
  /** `host`: a Control Agent the proxy plays (proxy.agents), over other targets' daemons. */
  readonly config: { readonly kind: TargetConfig['kind'] | 'host' };
  /** Its daemons' latest state (GET /targets). */
  snapshots(): readonly Pick<DaemonSnapshot, 'daemon' | 'up' | 'error'>[];
  /** Where a command goes: without service the target itself, else the daemon named, if any. */
  endpointFor(service: string | undefined): ProxyEndpoint | undefined;
}

export interface ProxySource {
  /** Read at each request (proxy.agents follows a reload). */
  readonly config: { readonly proxy: ProxyConfig };
  /** This shard's targets, read at each request (a reload replaces them). */
  readonly targets: readonly ProxyTarget[];
  /** The registry of /metrics, where the proxy's counters are made. */
  readonly renderer: MetricsRegistry;
  readonly log: Log;
  /** The exporter's version, and when its configuration was loaded (a played agent's own answers). */
  readonly version: string;
  readonly configLoadedAtMs: number;
}
