import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality, DataPointType,
  type CollectionResult, type DataPoint, type MetricData, type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { PrometheusRenderer } from '../prometheus/registry.js';
import { otelName } from './names.js';

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
}

/**
 * The series of /metrics as OTel metric data, read at each export from what the Prometheus
 * renderer already holds (fed by the same poll snapshots; Kea is not polled again). This is
 * OTel's MetricProducer, the SDK's bridge for metrics kept by another library: the points go
 * to the SDK's reader and exporter as they are. Observable instruments were measured first:
 * per point they cost several times the CPU (attribute hashing, aggregation maps), and the
 * SDK's default cardinality limit (2,000 per instrument) folded a fleet's state sets into an
 * overflow series (README, OpenTelemetry).
 * Counters are cumulative monotonic sums; state sets and info metrics 0/1 gauges.
 */
export class PrometheusSeriesProducer implements MetricProducer {
  /** Start of every cumulative series: the counters count from the exporter's start. */
  private readonly start: HrTime = hrTime();

  constructor(
    private readonly renderer: PrometheusRenderer,
    private readonly scope: { name: string; version: string },
  ) {}

  async collect(): Promise<CollectionResult> {
    const now = hrTime();
    const families = new Map<string, MetricData>();
    const add = (f: Family, attributes: Attributes, value: number): void => {
      let m = families.get(f.name);
      if (!m) families.set(f.name, (m = this.metricData(f)));
      (m.dataPoints as DataPoint<number>[]).push({ startTime: this.start, endTime: now, attributes, value });
    };
    this.renderer.forEachSeries((def, labels, value) => add(def, labels, value));
    for (const m of this.renderer.others()) {
      for (const v of (await m.get()).values) add(m, v.labels as Attributes, v.value);
    }
    // The reader keeps the SDK's resource and takes only the scope metrics from a producer.
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: this.scope, metrics: [...families.values()] }] }, errors: [] };
  }

  private metricData(f: Family): MetricData {
    const { name, unit } = otelName(f.name, f.type);
    const descriptor = { name, unit, description: f.help, valueType: ValueType.DOUBLE };
    return f.type === 'counter'
      ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: [] }
      : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [] };
  }
}
