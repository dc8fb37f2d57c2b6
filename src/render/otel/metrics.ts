import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { PrometheusRenderer } from '../prometheus/registry.js';
import { otelName } from './names.js';

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
}

/**
 * Every gauge and counter of /metrics as an OTel observable instrument, read from the series the
 * Prometheus renderer already holds (fed by the same poll snapshots): one batch callback per
 * export, no second poll of Kea, no second copy of the data. Counters are monotonic sums, state
 * sets and info metrics 0/1 gauges, as on /metrics.
 */
export class OtelMetricsBridge {
  private readonly instruments = new Map<string, Observable>();
  private registered: Observable[] = [];
  private missing = false;
  private readonly callback = (result: BatchObservableResult): Promise<void> => this.observe(result);

  constructor(
    private readonly meter: Meter,
    private readonly renderer: PrometheusRenderer,
  ) {
    this.sync();
  }

  /** Creates instruments for families that appeared since (unknown Kea statistics, the proxy's
   * counter) and registers the batch callback again with all of them. */
  private sync(): void {
    const before = this.instruments.size;
    for (const f of [...this.renderer.families(), ...this.renderer.others()]) this.instrument(f);
    if (before === this.instruments.size && this.registered.length > 0) return;
    if (this.registered.length) this.meter.removeBatchObservableCallback(this.callback, this.registered);
    this.registered = [...this.instruments.values()];
    this.meter.addBatchObservableCallback(this.callback, this.registered);
  }

  private instrument(f: Family): void {
    if (this.instruments.has(f.name)) return;
    const { name, unit } = otelName(f.name, f.type);
    const opts = { description: f.help, unit };
    this.instruments.set(f.name, f.type === 'counter' ? this.meter.createObservableCounter(name, opts) : this.meter.createObservableGauge(name, opts));
  }

  private async observe(result: BatchObservableResult): Promise<void> {
    this.renderer.forEachSeries((def, labels, value) => {
      const i = this.instruments.get(def.name);
      if (i) result.observe(i, value, labels);
      else this.missing = true;
    });
    for (const m of this.renderer.others()) {
      const i = this.instruments.get(m.name);
      if (!i) {
        this.missing = true;
        continue;
      }
      for (const v of (await m.get()).values) result.observe(i, v.value, v.labels as Attributes);
    }
    // A new family is exported from the next collection on: instruments cannot join a batch
    // callback while it runs.
    if (this.missing) {
      this.missing = false;
      setImmediate(() => this.sync());
    }
  }

  close(): void {
    if (this.registered.length) this.meter.removeBatchObservableCallback(this.callback, this.registered);
    this.registered = [];
  }
}
