/** A small stand-in for App where a server or proxy test needs no real data path: the narrow
 * interfaces of src/server/source.ts and src/proxy/source.ts, with metrics recorded in memory. */
import type { Config } from '../../src/config/types.js';
import { MemoryLog } from './memory-log.js';
import type { Count, Level, MetricsRegistry, ProxyTarget } from '../../src/proxy/source.js';
import type { Rendered, WebSource } from '../../src/server/source.js';
import type { DaemonSnapshot } from '../../src/snapshot.js';

/** Counters and gauges by name; a counter's value per label set (its labels as JSON). */
export class RecordingMetrics implements MetricsRegistry {
  /** `made`: how often counter() was asked for it. */
  readonly counters = new Map<string, { labelNames: readonly string[]; made: number; values: Map<string, number> }>();
  readonly gauges = new Map<string, number>();

  counter<L extends string>(name: string, _help: string, labelNames: readonly L[]): Count<L> {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = { labelNames, made: 0, values: new Map() }));
    c.made++;
    const values = c.values;
    return { inc: (labels) => void values.set(JSON.stringify(labels), (values.get(JSON.stringify(labels)) ?? 0) + 1) };
  }

  gauge(name: string, _help: string): Level {
    return { set: (v) => void this.gauges.set(name, v) };
  }

  /** The counter's value for exactly these labels (0 when never incremented). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(name)?.values.get(JSON.stringify(labels)) ?? 0;
  }
}

export interface StubOptions {
  config: Pick<Config, 'proxy' | 'poll' | 'shard'>;
  targets?: ProxyTarget[];
  snapshots?: DaemonSnapshot[];
  version?: string;
  ready?: boolean;
  render?: (openMetrics: boolean, gzip: boolean) => Promise<Rendered>;
  probe?: WebSource['probe'];
}

export type StubSource = WebSource & { renderer: RecordingMetrics & WebSource['renderer']; log: MemoryLog; ready: boolean };

export function stubSource(o: StubOptions): StubSource {
  const metrics = new RecordingMetrics();
  const renderChunks =
    o.render ?? (async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', gzip: false, chunks: [], length: 0, release: () => {} }));
  return {
    config: o.config,
    targets: o.targets ?? [],
    renderer: Object.assign(metrics, { renderChunks }),
    log: new MemoryLog(),
    version: o.version ?? 'stub',
    configLoadedAtMs: Date.now(),
    ready: o.ready ?? false,
    probe: o.probe ?? (async () => undefined),
    snapshots: () => o.snapshots ?? [],
  };
}
