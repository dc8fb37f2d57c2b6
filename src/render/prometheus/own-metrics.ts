import client, { type Counter, type Gauge } from 'prom-client';
import { replaceEventLoopGauges } from './event-loop.js';
import { BODY_END, familyText, FAMILY_SEPARATOR, type FamilyType, type FamilyValues } from './family-text.js';

/** prom-client's default gauges ending in _total, which promtool rightly flags; the per-type
 * gauges without the suffix (nodejs_active_handles, ...) carry the same information. */
const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
const TYPES: readonly FamilyType[] = ['gauge', 'counter', 'histogram', 'summary'];

/**
 * The metrics the exporter keeps about itself, in a prom-client Registry used through its public,
 * typed API only: Node's process metrics (collectDefaultMetrics), build info, and the counters and
 * gauges that callers set (proxy requests, reload status, OTLP failures...). Rendered on every
 * scrape, after Kea's families, in the order they were created.
 */
export class OwnMetrics {
  private readonly registry = new client.Registry();

  /** A counter the caller increments; the same one again when asked twice (OTel restarted by a
   * reload, a second server built for one app). */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    const known = this.registry.getSingleMetric<L>(name);
    if (known instanceof client.Counter) return known;
    return new client.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge the caller sets; the same one again when asked twice. */
  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    const known = this.registry.getSingleMetric<L>(name);
    if (known instanceof client.Gauge) return known;
    return new client.Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  /** Node.js process metrics (CPU, memory, event loop, GC), collected at each scrape. */
  collectProcessMetrics(): void {
    client.collectDefaultMetrics({ register: this.registry });
    for (const name of NON_COUNTER_TOTALS) this.registry.removeSingleMetric(name);
    replaceEventLoopGauges(this.registry);
  }

  /** The text format, byte for byte as prom-client writes it (family-text.test.ts), by the
   * writer of Kea's families from the values prom-client holds: half the time of prom-client's
   * own, which makes a label object and a WeakMap entry for every sample of every scrape. */
  async text(): Promise<string> {
    return `${await this.written(false)}${BODY_END.text}`;
  }

  /** prom-client's own text of the same metrics (tests: what text() must equal). */
  promClientText(): Promise<string> {
    return this.registry.metrics();
  }

  /** OpenMetrics, written from the values prom-client holds. prom-client's own OpenMetrics output
   * needs a registry of that content type, whose metrics() renames each counter it holds in place
   * (dropping _total), which would break the text format of the same counter; so the values are
   * read, not the text. */
  openMetrics(): Promise<string> {
    return this.written(true);
  }

  /** Every family written in one format, separated as that format has them (no body end). */
  private async written(openMetrics: boolean): Promise<string> {
    return (await this.families()).map((f) => familyText(f, openMetrics)).join(FAMILY_SEPARATOR[openMetrics ? 'openMetrics' : 'text']);
  }

  /** Every family with its values now (OTLP export reads them too). */
  async families(): Promise<FamilyValues[]> {
    const out: FamilyValues[] = [];
    for (const m of await this.registry.getMetricsAsJSON()) {
      // prom-client's typings declare the type as a numeric enum; its values are the names.
      const type: unknown = m.type;
      const known = TYPES.find((t) => t === type);
      if (!known) throw new Error(`prom-client metric ${m.name} of unknown type ${String(type)}`);
      const values = m.values.map((v) => ({
        value: v.value,
        labels: definedLabels(v.labels),
        // Histogram and summary samples name themselves (_bucket, _sum, _count).
        ...('metricName' in v && typeof v.metricName === 'string' && { metricName: v.metricName }),
      }));
      out.push({ name: m.name, help: m.help, type: known, values });
    }
    return out;
  }
}

function definedLabels(labels: Partial<Record<string, string | number>>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) out[k] = v;
  return out;
}
