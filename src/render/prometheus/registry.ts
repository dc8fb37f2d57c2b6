import client, { type Counter, type Gauge } from 'prom-client';
import type { DaemonSnapshot, SeriesOwner } from '../../snapshot.js';
import type { Collector, MetricDef } from './collector.js';
import { daemonCollector } from './daemon.js';
import { exporterCollector } from './exporter.js';
import { haCollector } from './ha.js';
import { serviceCollector } from './service.js';
import { threadingCollector } from './threading.js';
import { escapeOpenMetricsHelp, openMetricsView } from './openmetrics.js';

export const COLLECTORS: readonly Collector[] = [
  daemonCollector,
  threadingCollector,
  serviceCollector,
  haCollector,
  exporterCollector,
];

export const BUILD_INFO = 'kea_exporter_build_info';
export const INVALID_SAMPLES = 'kea_exporter_invalid_samples_total';
const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

interface PromMetric {
  name: string;
  type: string;
}

/** Registry.getMetricsAsString renders one family; it is what Registry.metrics() calls for
 * each (prom-client 15), though its typings leave it out. */
interface FamilyRenderer {
  getMetricsAsString(metric: PromMetric): Promise<string>;
}

/** A family's text as last rendered, and the version of the family it shows. */
interface FamilyText {
  version: number;
  bytes: Buffer;
}

const NEWLINE = Buffer.from('\n');
const BLANK_LINE = Buffer.from('\n\n');
const OM_END = Buffer.from('\n# EOF\n');

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The update that last emitted it; older ones are swept. */
  seen: number;
}
type Metric = Gauge<string> | Counter<string>;

/** Holds every series in prom-client metrics, updated when a poll lands (not per scrape), and
 * renders them in the Prometheus text format or OpenMetrics. Series a daemon no longer
 * reports are removed at its next update. */
export class PrometheusRenderer {
  readonly text = new client.Registry();
  readonly openMetrics = new client.Registry<client.OpenMetricsContentType>();
  private readonly metrics = new Map<string, { def: MetricDef; metric: Metric; labelNames: string[] }>();
  /** Per daemon key, its series by metric name and label values. */
  private readonly owned = new Map<string, Map<string, Series>>();
  private epoch = 0;
  private baseLabelNames: readonly string[];
  private readonly registers: client.Registry[];
  private extraLabelNames: readonly string[];
  /** Per family: bumped whenever one of its series changes, appears or goes. */
  private readonly versions = new Map<string, number>();
  private readonly textCache = new Map<string, FamilyText>();
  private readonly omCache = new Map<string, FamilyText>();
  private readonly invalid: Counter<'target' | 'daemon'>;
  /** Owner key -> the invalid-samples series it counted into (removed with its last owner). */
  private readonly invalidOwners = new Map<string, string>();

  constructor(
    extraLabelNames: readonly string[],
    opts: { version: string; processMetrics?: boolean },
    private readonly collectors: readonly Collector[] = COLLECTORS,
    /** Collectors of other snapshot kinds (statistics), declared up front as well. */
    extraMetrics: readonly MetricDef[] = [],
  ) {
    this.openMetrics.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
    const registers = [this.text, this.openMetrics] as client.Registry[];
    this.baseLabelNames = ['target', 'daemon', ...extraLabelNames];
    this.registers = registers;
    this.extraLabelNames = extraLabelNames;
    for (const def of [...collectors.flatMap((c) => c.metrics), ...extraMetrics]) this.declare(def);
    const build = new client.Gauge({
      name: BUILD_INFO,
      help: 'Version of kea-telemetry and of Node.js it runs on (always 1).',
      labelNames: ['version', 'nodejs_version'],
      registers,
    });
    build.set({ version: opts.version, nodejs_version: process.versions.node }, 1);
    this.invalid = new client.Counter({
      name: INVALID_SAMPLES,
      help: 'Samples left out because their value cannot be exported (a negative or non-finite counter, a value that is no number); a counter that went down is a reset, not counted here.',
      labelNames: ['target', 'daemon'],
      registers,
    });
    if (opts.processMetrics !== false) {
      for (const register of registers) {
        client.collectDefaultMetrics({ register });
        // These gauges end in _total, which promtool rightly flags; the per-type gauges without
        // the suffix (nodejs_active_handles, ...) carry the same information.
        for (const name of NON_COUNTER_TOTALS) register.removeSingleMetric(name);
      }
    }
  }

  /** A counter the caller increments itself (e.g. proxy requests), in both formats. Not a
   * per-daemon family: rendered on every scrape like the process metrics. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    // The same one again when asked twice (OTel restarted by a reload, a second server).
    const known = this.text.getSingleMetric(name) as Counter<L> | undefined;
    return known ?? new client.Counter({ name, help, labelNames, registers: this.registers });
  }

  /** A gauge the caller sets itself (reload status), in both formats, rendered on every scrape. */
  gauge(name: string, help: string): Gauge<string> {
    return new client.Gauge({ name, help, registers: this.registers });
  }

  /** Creates a family; the base labels are the per-daemon ones, then the family's own. */
  private declare(def: MetricDef): void {
    const labelNames = ['target', 'daemon', ...this.extraLabelNames, ...(def.labels ?? [])];
    const cfg = { name: def.name, help: def.help, labelNames, registers: this.registers };
    const metric = def.type === 'counter' ? new client.Counter(cfg) : new client.Gauge(cfg);
    this.metrics.set(def.name, { def, metric, labelNames });
    this.versions.set(def.name, 0);
  }

  /** Replaces the series of one owner (key: a daemon, or a daemon's statistics) with what the
   * collectors make of its snapshot. Runs for every poll: a series whose value did not change
   * costs a map lookup, and nothing is allocated for it. */
  update<S extends SeriesOwner>(key: string, s: S, collectors: readonly Collector<S>[]): void;
  update(key: string, s: DaemonSnapshot): void;
  update(key: string, s: SeriesOwner, collectors: readonly Collector<SeriesOwner>[] = this.collectors): void {
    let mine = this.owned.get(key);
    if (!mine) this.owned.set(key, (mine = new Map<string, Series>()));
    const owned = mine;
    const epoch = ++this.epoch;
    const base: Record<string, string> = { target: s.target, daemon: s.daemon, ...s.labels };
    const baseId = this.baseLabelNames.map((n) => base[n] ?? '').join('\u0001');
    let invalid = 0;
    const emit = (name: string, value: number, extra?: Readonly<Record<string, string>>, def?: MetricDef) => {
      if (def && !this.metrics.has(name)) this.declare(def);
      const m = this.metrics.get(name);
      if (!m) throw new Error(`collector emitted undeclared metric ${name}`);
      let id = `${name}\u0002${baseId}`;
      if (extra) for (const n of m.def.labels ?? []) id += `\u0001${extra[n] ?? ''}`;
      // prom-client throws on a negative or non-finite counter (and on a gauge that is no
      // number): a hostile or broken daemon must cost that series, never the update. Left
      // unmarked, the series is swept below and is absent until its value is valid again.
      if (!valid(m.def.type, value)) {
        invalid++;
        return;
      }
      const old = owned.get(id);
      if (old) {
        old.seen = epoch;
        if (old.value === value) return;
      }
      const labels = old?.labels ?? (extra ? { ...base, ...extra } : base);
      if (m.def.type === 'gauge') (m.metric as Gauge<string>).set(labels, value);
      else {
        // prom-client counters only add. A counter that went down was reset (Kea restarted, or
        // statistic-reset): the series starts again at the new value; otherwise add the difference.
        if (old && value < old.value) m.metric.remove(labels);
        (m.metric as Counter<string>).inc(labels, old && value >= old.value ? value - old.value : value);
      }
      if (old) old.value = value;
      else owned.set(id, { name, labels, value, seen: epoch });
      this.touch(name);
    };
    for (const c of collectors) c.collect(s, emit);
    this.sweep(owned, epoch);
    if (invalid > 0) {
      const labels = { target: s.target, daemon: s.daemon };
      this.invalid.inc(labels, invalid);
      this.invalidOwners.set(key, JSON.stringify(labels));
    }
  }

  /** A reload brought targets with other label names: every family is declared again with the
   * new names and gets its series back, values included, before the next scrape renders. */
  relabel(extraLabelNames: readonly string[]): void {
    if (extraLabelNames.join('\u0001') === this.extraLabelNames.join('\u0001')) return;
    this.extraLabelNames = extraLabelNames;
    this.baseLabelNames = ['target', 'daemon', ...extraLabelNames];
    for (const { def } of [...this.metrics.values()]) {
      for (const r of this.registers) r.removeSingleMetric(def.name);
      this.declare(def);
      this.textCache.delete(def.name);
      this.omCache.delete(def.name);
    }
    for (const owned of this.owned.values()) {
      for (const s of owned.values()) {
        const m = this.metrics.get(s.name)!;
        if (m.def.type === 'gauge') (m.metric as Gauge<string>).set(s.labels, s.value);
        else (m.metric as Counter<string>).inc(s.labels, s.value);
      }
    }
  }

  /** Drops every series of a daemon that is no longer watched. */
  remove(key: string): void {
    const mine = this.owned.get(key);
    if (mine) this.sweep(mine, this.epoch + 1);
    this.owned.delete(key);
    const counted = this.invalidOwners.get(key);
    this.invalidOwners.delete(key);
    if (counted !== undefined && ![...this.invalidOwners.values()].includes(counted)) {
      this.invalid.remove(JSON.parse(counted) as Record<string, string>);
    }
  }

  /** Kea's series only change when a poll lands, and most families (HA state sets, versions,
   * hashes, settings) not even then: each family is rendered by prom-client only when it
   * changed and kept encoded; the body is those buffers in a row, sent as they are, so a
   * scrape copies nothing it did not render. Process metrics are rendered every time and
   * follow the Kea families. */
  async renderChunks(openMetrics: boolean): Promise<{ contentType: string; chunks: Buffer[]; length: number }> {
    const reg = openMetrics ? this.openMetrics : this.text;
    const cache = openMetrics ? this.omCache : this.textCache;
    const sep = openMetrics ? NEWLINE : BLANK_LINE;
    const kea: Buffer[] = [];
    const others: Buffer[] = [];
    for (const metric of reg.getMetricsAsArray() as unknown as PromMetric[]) {
      const version = this.versions.get(metric.name);
      let cached = cache.get(metric.name);
      if (version === undefined || cached?.version !== version) {
        const text = openMetrics
          ? escapeOpenMetricsHelp(await (reg as unknown as FamilyRenderer).getMetricsAsString(openMetricsView(metric)))
          : await (reg as unknown as FamilyRenderer).getMetricsAsString(metric);
        const bytes = Buffer.from(text);
        if (version === undefined) {
          others.push(bytes);
          continue;
        }
        cache.set(metric.name, (cached = { version, bytes }));
      }
      kea.push(cached.bytes);
    }
    const chunks = [...kea, ...others].flatMap((b, i) => (i === 0 ? [b] : [sep, b]));
    chunks.push(openMetrics ? OM_END : NEWLINE);
    return { contentType: reg.contentType, chunks, length: chunks.reduce((n, b) => n + b.length, 0) };
  }

  /** The same as one string (tests, tools). */
  async render(openMetrics: boolean): Promise<{ contentType: string; body: string }> {
    const { contentType, chunks } = await this.renderChunks(openMetrics);
    return { contentType, body: Buffer.concat(chunks).toString('utf8') };
  }

  /** Every per-daemon series held now (OTLP export reads them as /metrics shows them). */
  forEachSeries(fn: (def: MetricDef, labels: Readonly<Record<string, string>>, value: number) => void): void {
    for (const owned of this.owned.values()) for (const s of owned.values()) fn(this.metrics.get(s.name)!.def, s.labels, s.value);
  }

  /** The other gauges and counters of /metrics (build info, proxy and export counters, process
   * metrics), which prom-client holds itself. Histograms and summaries are left out. */
  others(): { name: string; type: 'gauge' | 'counter'; help: string; get(): Promise<{ values: { value: number; labels: object }[] }> }[] {
    type M = { name: string; type: string; help: string; get(): Promise<{ values: { value: number; labels: object }[] }> };
    return (this.text.getMetricsAsArray() as unknown as M[]).filter(
      (m): m is M & { type: 'gauge' | 'counter' } => !this.metrics.has(m.name) && (m.type === 'gauge' || m.type === 'counter'),
    );
  }

  private touch(name: string): void {
    this.versions.set(name, (this.versions.get(name) ?? 0) + 1);
  }

  /** Removes the series not emitted in this epoch. */
  private sweep(owned: Map<string, Series>, epoch: number): void {
    for (const [id, series] of owned) {
      if (series.seen === epoch) continue;
      this.metrics.get(series.name)!.metric.remove(series.labels);
      owned.delete(id);
      this.touch(series.name);
    }
  }
}

/** What prom-client accepts without throwing: counters finite and >= 0, gauges any number
 * (NaN and ±Inf are valid samples of a gauge). */
function valid(type: MetricDef['type'], value: number): boolean {
  if (typeof value !== 'number') return false;
  return type === 'gauge' || (value >= 0 && value < Infinity);
}
