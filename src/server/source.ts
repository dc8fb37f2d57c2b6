/** What the HTTP listeners need of the exporter, and nothing more: App satisfies these as it is,
 * and a test may pass a small stub. */
import type { Config } from '../config/types.js';
import type { MetricsRegistry, ProxySource } from '../proxy/source.js';
import type { DaemonSnapshot } from '../snapshot.js';
import type { ProbeRefusal } from '../targets/probe-targets.js';
import type { ProbeBody } from './probe.js';

/** GET /probe?target=&module=, as the route read it. */
export interface ProbeRequest {
  /** A target's name; with module, an address (URL or socket path). */
  target: string;
  module?: string;
  openMetrics: boolean;
  /** How long the poll may take before the last known values are answered (the scrape timeout). */
  waitMs?: number;
}

/** /metrics in one format and encoding: cached buffers, streamed as they are, held until
 * `release()`. */
export interface Rendered {
  contentType: string;
  /** The chunks make one gzip member: sent with Content-Encoding: gzip. */
  gzip: boolean;
  chunks: readonly Buffer[];
  length: number;
  readonly release: () => void;
}

/** A listener: its timeouts follow the proxy's and the polls' (connections.ts), its connection
 * counter goes to /metrics, and it may carry the proxy. */
export interface ListenerSource extends ProxySource {
  readonly config: Readonly<Pick<Config, 'proxy' | 'poll'>>;
}

export interface WebSource extends ListenerSource {
  readonly config: Readonly<Pick<Config, 'proxy' | 'poll' | 'shard'>>;
  readonly renderer: MetricsRegistry & { renderChunks(openMetrics: boolean, gzip: boolean): Promise<Rendered> };
  /** The exporter's version (landing page). */
  readonly version: string;
  /** Every target polled once, whatever the outcome (/-/ready). */
  readonly ready: boolean;
  /** GET /probe: undefined when a target name (no module) is not watched here, 'busy' when too
   * many wait, a refusal for an address with a module that may not or cannot be probed. */
  probe(request: ProbeRequest): Promise<ProbeBody | 'busy' | undefined | { refused: ProbeRefusal; message: string }>;
  /** The latest snapshot of every daemon, in config order (landing page). */
  snapshots(): readonly DaemonSnapshot[];
}
