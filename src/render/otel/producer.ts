import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type DataPoint, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { exportable, type Emit, type MetricDef } from '../prometheus/collector.js';
import type { FamilyValues } from '../prometheus/family-text.js';
import type { SnapshotSource } from '../snapshots.js';
import { otelName } from './names.js';

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
}

/** What the export reads: the latest snapshot of every owner with its collectors (the same that
 * feed /metrics), and the exporter's own metrics (prom-client's values, process metrics too). */
export interface SeriesSources {
  readonly snapshots: SnapshotSource;
  readonly own: { families(): Promise<FamilyValues[]> };
}

/**
 * The series of /metrics as OTel metric data, made at each export by running the collectors on
 * the latest snapshots (Kea is not polled again, and nothing of the Prometheus text side is read).
 * This is OTel's MetricProducer, the SDK's bridge for metrics kept by another library: the points
 * go to the SDK's reader and exporter as they are. Observable instruments were measured first:
 * per point they cost several times the CPU (attribute hashing, aggregation maps), and the SDK's
 * default cardinality limit (2,000 per instrument) folded a fleet's state sets into an overflow
 * series (docs/opentelemetry.md).
 * Counters are cumulative monotonic sums of the value Kea reports; state sets and info metrics
 * 0/1 gauges. A value /metrics leaves out (exportable) is left out here as well.
 */
export class SnapshotSeriesProducer implements MetricProducer {
  /** Start of every cumulative series: the counters count from the exporter's start. */
  private readonly start: HrTime = hrTime();

  constructor(
    private readonly sources: SeriesSources,
    private readonly scope: { name: string; version: string },
  ) {}

  async collect(): Promise<CollectionResult> {
    const now = hrTime();
    const families = new Map<string, MetricData>();
    const errors: unknown[] = [];
    const add = (f: Family, attributes: Attributes, value: number): void => {
      let m = families.get(f.name);
      if (!m) families.set(f.name, (m = this.metricData(f)));
      (m.dataPoints as DataPoint<number>[]).push({ startTime: this.start, endTime: now, attributes, value });
    };
    const { declared } = this.sources.snapshots;
    for (const { snapshot: s, collectors } of this.sources.snapshots.snapshots()) {
      const base = withPresent({}, { target: s.target, daemon: s.daemon, ...s.labels });
      const emit: Emit = (name, value, extra, def?: MetricDef) => {
        const d = declared.get(name) ?? def;
        if (!d) throw new Error(`collector emitted undeclared metric ${name}`);
        if (exportable(d.type, value)) add(d, extra ? withPresent({ ...base }, extra) : base, value);
      };
      try {
        for (const c of collectors) c.collect(s, emit);
      } catch (err) {
        // The renderer refused this snapshot the same way; the others are exported.
        errors.push(err);
      }
    }
    for (const f of await this.sources.own.families()) {
      // Histograms and summaries (process metrics) are left out.
      if (f.type !== 'gauge' && f.type !== 'counter') continue;
      const family = { name: f.name, type: f.type, help: f.help };
      for (const v of f.values) add(family, v.labels, v.value);
    }
    // The reader keeps the SDK's resource and takes only the scope metrics from a producer.
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: this.scope, metrics: [...families.values()] }] }, errors };
  }

  private metricData(f: Family): MetricData {
    const { name, unit } = otelName(f.name, f.type);
    const descriptor = { name, unit, description: f.help, valueType: ValueType.DOUBLE };
    return f.type === 'counter'
      ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: [] }
      : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [] };
  }
}

/** `into` with the labels of `from` that have a value: /metrics leaves out `l=""` (Prometheus reads
 * it as no label), so an attribute of an empty value would make a series /metrics does not have. */
function withPresent(into: Attributes, from: Readonly<Record<string, string>>): Attributes {
  for (const k in from) {
    const v = from[k]!;
    if (v !== '') into[k] = v;
  }
  return into;
}
