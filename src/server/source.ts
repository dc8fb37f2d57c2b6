/** What the HTTP listeners need of the exporter, and nothing more: App satisfies these as it is,
 * and a test may pass a small stub. */
import type { Config } from '../config/types.js';
import type { MetricsRegistry, ProxySource } from '../proxy/source.js';
import type { DaemonSnapshot } from '../snapshot.js';
import type { ProbeBody } from './probe.js';

/** /metrics in one format: cached buffers, streamed as they are. */
export interface Rendered {
  contentType: string;
  chunks: readonly Buffer[];
  length: number;
}

/** A listener: its timeouts follow the proxy's and the polls' (connections.ts), its connection
 * counter goes to /metrics, and it may carry the proxy. */
export interface ListenerSource extends ProxySource {
  readonly config: Readonly<Pick<Config, 'proxy' | 'poll'>>;
}

export interface WebSource extends ListenerSource {
  readonly config: Readonly<Pick<Config, 'proxy' | 'poll' | 'shard'>>;
  readonly renderer: MetricsRegistry & { renderChunks(openMetrics: boolean): Promise<Rendered> };
  /** The exporter's version (landing page). */
  readonly version: string;
  /** Every target polled once, whatever the outcome (/-/ready). */
  readonly ready: boolean;
  /** GET /probe: undefined when the target is not watched here, 'busy' when too many wait. */
  probe(name: string, openMetrics: boolean): Promise<ProbeBody | 'busy' | undefined>;
  /** The latest snapshot of every daemon, in config order (landing page). */
  snapshots(): readonly DaemonSnapshot[];
}
