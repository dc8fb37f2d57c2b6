import client, { type Counter, type Gauge } from 'prom-client';
import type { DaemonSnapshot } from '../../snapshot.js';
import type { Collector, MetricDef } from './collector.js';
import { daemonCollector } from './daemon.js';
import { exporterCollector } from './exporter.js';
import { haCollector } from './ha.js';
import { serviceCollector } from './service.js';
import { threadingCollector } from './threading.js';

export const COLLECTORS: readonly Collector[] = [
  daemonCollector,
  threadingCollector,
  serviceCollector,
  haCollector,
  exporterCollector,
];

export const BUILD_INFO = 'kea_exporter_build_info';
const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

interface Series {
  labels: Record<string, string>;
  value: number;
}
type Metric = Gauge<string> | Counter<string>;

/** Holds every series in prom-client metrics, updated when a poll lands (not per scrape), and
 * renders them in the Prometheus text format or OpenMetrics. Series a daemon no longer
 * reports are removed at its next update. */
export class PrometheusRenderer {
  readonly text = new client.Registry();
  readonly openMetrics = new client.Registry<client.OpenMetricsContentType>();
  private readonly metrics = new Map<string, { def: MetricDef; metric: Metric; labelNames: string[] }>();
  private readonly owned = new Map<string, Map<string, Map<string, Series>>>();

  constructor(
    extraLabelNames: readonly string[],
    opts: { version: string; processMetrics?: boolean },
    private readonly collectors: readonly Collector[] = COLLECTORS,
  ) {
    this.openMetrics.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
    const registers = [this.text, this.openMetrics] as client.Registry[];
    for (const c of collectors) {
      for (const def of c.metrics) {
        const labelNames = ['target', 'daemon', ...extraLabelNames, ...(def.labels ?? [])];
        const cfg = { name: def.name, help: def.help, labelNames, registers };
        const metric = def.type === 'counter' ? new client.Counter(cfg) : new client.Gauge(cfg);
        this.metrics.set(def.name, { def, metric, labelNames });
      }
    }
    const build = new client.Gauge({
      name: BUILD_INFO,
      help: 'Version of kea-telemetry and of Node.js it runs on (always 1).',
      labelNames: ['version', 'nodejs_version'],
      registers,
    });
    build.set({ version: opts.version, nodejs_version: process.versions.node }, 1);
    if (opts.processMetrics !== false) {
      for (const register of registers) {
        client.collectDefaultMetrics({ register });
        // These gauges end in _total, which promtool rightly flags; the per-type gauges without
        // the suffix (nodejs_active_handles, ...) carry the same information.
        for (const name of NON_COUNTER_TOTALS) register.removeSingleMetric(name);
      }
    }
  }

  /** Replaces the series of one daemon (key) with what the collectors make of its snapshot. */
  update(key: string, s: DaemonSnapshot): void {
    const before = this.owned.get(key) ?? new Map<string, Map<string, Series>>();
    const after = new Map<string, Map<string, Series>>();
    const base: Record<string, string> = { target: s.target, daemon: s.daemon, ...s.labels };
    const emit = (name: string, value: number, extra?: Readonly<Record<string, string>>) => {
      const m = this.metrics.get(name);
      if (!m) throw new Error(`collector emitted undeclared metric ${name}`);
      const labels = extra ? { ...base, ...extra } : base;
      const id = m.labelNames.map((n) => labels[n] ?? '').join('\u0001');
      let series = after.get(name);
      if (!series) after.set(name, (series = new Map()));
      const old = before.get(name)?.get(id);
      series.set(id, { labels, value });
      if (m.def.type === 'gauge') (m.metric as Gauge<string>).set(labels, value);
      else if (!old || value !== old.value) {
        // prom-client counters only add: remove on a reset, add the difference otherwise.
        if (old && value < old.value) m.metric.remove(labels);
        (m.metric as Counter<string>).inc(labels, old && value >= old.value ? value - old.value : value);
      }
    };
    for (const c of this.collectors) c.collect(s, emit);
    this.removeStale(before, after);
    this.owned.set(key, after);
  }

  /** Drops every series of a daemon that is no longer watched. */
  remove(key: string): void {
    const before = this.owned.get(key);
    if (before) this.removeStale(before, new Map());
    this.owned.delete(key);
  }

  async render(openMetrics: boolean): Promise<{ contentType: string; body: string }> {
    const reg = openMetrics ? this.openMetrics : this.text;
    return { contentType: reg.contentType, body: await reg.metrics() };
  }

  private removeStale(before: Map<string, Map<string, Series>>, after: Map<string, Map<string, Series>>): void {
    for (const [name, series] of before) {
      const kept = after.get(name);
      const metric = this.metrics.get(name)!.metric;
      for (const [id, s] of series) if (!kept?.has(id)) metric.remove(s.labels);
    }
  }
}
