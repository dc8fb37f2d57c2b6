/** Option (a) of issue 13, kept for bench/render.ts to measure against the shipped renderer: Kea's
 * series in prom-client metric objects (one Gauge or Counter per family), through prom-client's
 * public, typed API only. Kea's absolute counters become inc(delta) (a reset removes the series
 * first), a change of label names declares every family again and sets its series back;
 * families are rendered by Registry.getSingleMetricAsString when they changed and cached, as the
 * shipped renderer caches its own. OpenMetrics is derived from a family's text: prom-client
 * renders a counter named with _total as `_total_total` there, and an OpenMetrics registry's
 * metrics() renames the counter objects in place. Same output, byte for byte (bench checks).
 * Not used by the exporter. */
import client, { type Counter, type Gauge } from 'prom-client';
import type { Collector, MetricDef } from '../src/render/prometheus/collector.js';
import { exportable } from '../src/render/prometheus/collector.js';
import { familyHeader } from '../src/render/prometheus/family-text.js';
import type { SeriesOwner } from '../src/snapshot.js';

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
  seen: number;
}
type Metric = Gauge<string> | Counter<string>;
interface Family {
  def: MetricDef;
  metric: Metric;
  version: number;
  text?: { version: number; bytes: Buffer };
  om?: { version: number; bytes: Buffer };
}

const SEP = { text: Buffer.from('\n\n'), om: Buffer.from('\n') };

export class PromClientRenderer {
  private readonly registry = new client.Registry();
  private readonly families = new Map<string, Family>();
  private readonly owned = new Map<string, Map<string, Series>>();
  private epoch = 0;
  private baseLabelNames: readonly string[];

  constructor(
    private extraLabelNames: readonly string[],
    defs: readonly MetricDef[],
  ) {
    this.baseLabelNames = ['target', 'daemon', ...extraLabelNames];
    for (const def of defs) this.declare(def);
  }

  update<S extends SeriesOwner>(key: string, s: S, collectors: readonly Collector<S>[]): void {
    let mine = this.owned.get(key);
    if (!mine) this.owned.set(key, (mine = new Map<string, Series>()));
    const owned = mine;
    const epoch = ++this.epoch;
    const base: Record<string, string> = { target: s.target, daemon: s.daemon, ...s.labels };
    const baseId = this.baseLabelNames.map((n) => base[n] ?? '').join('\u0001');
    for (const c of collectors) {
      c.collect(s, (name, value, extra, def) => {
        const f = this.families.get(name) ?? (def && this.declare(def));
        if (!f) throw new Error(`undeclared ${name}`);
        if (!exportable(f.def.type, value)) return;
        let id = `${name}\u0002${baseId}`;
        if (extra) for (const n of f.def.labels ?? []) id += `\u0001${extra[n] ?? ''}`;
        const old = owned.get(id);
        if (old) {
          old.seen = epoch;
          if (old.value === value) return;
        }
        const labels = old?.labels ?? present(extra ? { ...base, ...extra } : base);
        if (f.metric instanceof client.Gauge) f.metric.set(labels, value);
        else {
          if (old && value < old.value) f.metric.remove(labels);
          f.metric.inc(labels, old && value >= old.value ? value - old.value : value);
        }
        if (old) old.value = value;
        else owned.set((id.charCodeAt(0), id), { name, labels, value, seen: epoch }); // flat, as (b) keeps its keys
        f.version++;
      });
    }
    for (const [id, series] of owned) {
      if (series.seen === epoch) continue;
      const f = this.families.get(series.name)!;
      f.metric.remove(series.labels);
      owned.delete(id);
      f.version++;
    }
  }

  /** New label names: every family declared again, every series set again (counters by inc). */
  relabel(extraLabelNames: readonly string[]): void {
    this.extraLabelNames = extraLabelNames;
    this.baseLabelNames = ['target', 'daemon', ...extraLabelNames];
    for (const f of [...this.families.values()]) {
      this.registry.removeSingleMetric(f.def.name);
      this.families.delete(f.def.name);
      this.declare(f.def);
    }
    for (const owned of this.owned.values()) {
      for (const s of owned.values()) {
        const m = this.families.get(s.name)!.metric;
        if (m instanceof client.Gauge) m.set(s.labels, s.value);
        else m.inc(s.labels, s.value);
      }
    }
  }

  async renderChunks(openMetrics: boolean): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    for (const f of this.families.values()) {
      if (f.text?.version !== f.version) {
        f.text = { version: f.version, bytes: Buffer.from(await this.registry.getSingleMetricAsString(f.def.name)) };
        f.om = undefined;
      }
      if (openMetrics && f.om?.version !== f.version) f.om = { version: f.version, bytes: Buffer.from(toOpenMetrics(f.def, f.text.bytes.toString())) };
      chunks.push(openMetrics ? f.om!.bytes : f.text.bytes, openMetrics ? SEP.om : SEP.text);
    }
    return chunks;
  }

  private declare(def: MetricDef): Family {
    const labelNames = ['target', 'daemon', ...this.extraLabelNames, ...(def.labels ?? [])];
    const cfg = { name: def.name, help: def.help, labelNames, registers: [this.registry] };
    const f: Family = { def, metric: def.type === 'counter' ? new client.Counter(cfg) : new client.Gauge(cfg), version: 0 };
    this.families.set(def.name, f);
    return f;
  }
}

/** The text format's family as OpenMetrics: the header rewritten (counter family without _total,
 * quotes in HELP escaped), the samples as they are (counters here all end in _total). */
function toOpenMetrics(def: MetricDef, text: string): string {
  const headerEnd = text.indexOf('\n', text.indexOf('\n') + 1);
  const header = familyHeader(def.name, def.help, def.type, true);
  return headerEnd < 0 ? header : header + text.slice(headerEnd);
}

/** The labels of a value (b) writes: it leaves out a label of an empty value (Prometheus reads
 * `name=""` as no label), which prom-client writes unless the label is not set. */
function present(labels: Record<string, string>): Record<string, string> {
  if (!Object.values(labels).includes('')) return labels;
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
}
