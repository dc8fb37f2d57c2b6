import { Metadata } from '@grpc/grpc-js';
import { ROOT_CONTEXT, context, metrics, propagation, trace, type ContextManager } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { Counter } from 'prom-client';
import type { Log } from '../../log.js';
import type { OtelSettings, SignalSettings } from '../../telemetry/settings.js';
import { SnapshotSeriesProducer, type SeriesSources } from './producer.js';

export const OTLP_EXPORT_FAILURES = 'kea_exporter_otlp_export_failures_total';

export interface Otel {
  /** Flushes what is pending (one last metric export, queued spans), then stops. */
  shutdown(): Promise<void>;
}

type Signal = 'metrics' | 'traces';

/** What the export needs of the renderer: the series' sources, and a counter of its own. */
export interface OtelFeed extends SeriesSources {
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L>;
}

/** Starts the OTel SDK: the metrics of /metrics pushed every interval, spans of polls, commands
 * and proxied requests (src/telemetry/tracing.ts makes them; they reach the SDK registered here
 * through the OTel API). Export failures never reach polling or /metrics: they are counted and
 * logged once per change between failing and working. */
export function startOtel(s: OtelSettings, o: { renderer: OtelFeed; log: Log; version: string }): Otel | undefined {
  if (!s.enabled) return undefined;
  const failures = o.renderer.counter(OTLP_EXPORT_FAILURES, 'OTLP exports that failed (collector absent, HTTP/gRPC error, timeout), by signal.', ['signal']);
  const failing: Record<Signal, boolean> = { metrics: false, traces: false };
  const note = (signal: Signal, r: ExportResult): void => {
    const failed = r.code !== ExportResultCode.SUCCESS;
    if (failed) failures.inc({ signal });
    if (failed !== failing[signal]) {
      failing[signal] = failed;
      if (failed) o.log.warn({ signal, err: r.error?.message }, 'OTLP export failing');
      else o.log.info({ signal }, 'OTLP export working again');
    }
  };
  const readers = [];
  if (s.metrics) {
    failures.inc({ signal: 'metrics' }, 0);
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: counted(metricExporter(s.metrics), (r) => note('metrics', r)),
        exportIntervalMillis: s.intervalMs,
        exportTimeoutMillis: Math.min(s.metrics.timeoutMs, s.intervalMs),
        metricProducers: [new SnapshotSeriesProducer(o.renderer, { name: 'kea-telemetry', version: o.version })],
      }),
    );
  }
  const spanProcessors = [];
  if (s.traces) {
    failures.inc({ signal: 'traces' }, 0);
    spanProcessors.push(new BatchSpanProcessor({ exporter: counted(traceExporter(s.traces), (r) => note('traces', r)) }));
  }
  // Everything explicit (empty lists too): NodeSDK would otherwise build exporters from OTEL_*
  // on its own, logs included. The resource is complete already (settings.ts merged the env).
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(s.resource),
    autoDetectResources: false,
    metricReaders: readers,
    spanProcessors,
    logRecordProcessors: [],
    instrumentations: [],
    // Without traces nothing reads a context: no AsyncLocalStorage behind every promise.
    ...(s.traces ? {} : { contextManager: NO_CONTEXT }),
  });
  sdk.start();
  return {
    async shutdown() {
      // The last export may fail like any other (collector gone): stopping goes on regardless.
      await sdk.shutdown().catch((err: Error) => o.log.warn({ err: err.message }, 'OTLP flush at shutdown failed'));
      // NodeSDK leaves its providers registered; a later start (tests, reload) registers anew.
      metrics.disable();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

function metricExporter(s: SignalSettings): PushMetricExporter {
  const opts = { url: s.url, headers: s.headers, timeoutMillis: s.timeoutMs };
  if (s.protocol === 'grpc') return new GrpcMetricExporter({ url: s.url, timeoutMillis: s.timeoutMs, metadata: metadata(s.headers) });
  return s.protocol === 'http/json' ? new JsonMetricExporter(opts) : new ProtoMetricExporter(opts);
}

function traceExporter(s: SignalSettings): SpanExporter {
  const opts = { url: s.url, headers: s.headers, timeoutMillis: s.timeoutMs };
  if (s.protocol === 'grpc') return new GrpcTraceExporter({ url: s.url, timeoutMillis: s.timeoutMs, metadata: metadata(s.headers) });
  return s.protocol === 'http/json' ? new JsonTraceExporter(opts) : new ProtoTraceExporter(opts);
}

/** gRPC carries the headers as metadata. */
function metadata(headers: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return md;
}

/** The exporter, telling `onResult` how each export went. */
function counted<E extends PushMetricExporter | SpanExporter>(inner: E, onResult: (r: ExportResult) => void): E {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'export') return Reflect.get(target, prop, receiver);
      return (items: never, done: (r: ExportResult) => void) =>
        target.export(items, (r: ExportResult) => {
          onResult(r);
          done(r);
        });
    },
  });
}

/** The context manager of an SDK without traces: every context is the root one. */
const NO_CONTEXT: ContextManager = {
  active: () => ROOT_CONTEXT,
  with: (_ctx, fn, thisArg, ...args) => fn.call(thisArg, ...args),
  bind: (_ctx, target) => target,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
};
