/** Decodes OTLP/HTTP export requests (protobuf or JSON) into ONE plain-object shape, the
 * OTLP/JSON one with scalars normalised, so tests need not care which encoding was sent.
 * The .proto files are the official opentelemetry-proto ones that @elastic/mockotlpserver
 * ships (@opentelemetry/otlp-transformer only ships a hand-written encoder, no schema). */
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

export type OtlpSignal = 'metrics' | 'traces' | 'logs';

/** An attribute value unwrapped from AnyValue; bytes become lowercase hex. */
export type OtlpValue = string | number | boolean | null | OtlpValue[] | { [key: string]: OtlpValue };

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** A number, or a decimal string beyond Number.MAX_SAFE_INTEGER. */
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
  bytesValue?: string;
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
export interface OtlpResource {
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}
export interface OtlpScope {
  name: string;
  version: string;
  attributes: OtlpKeyValue[];
}

export interface OtlpNumberDataPoint {
  attributes: OtlpKeyValue[];
  startTimeUnixNano: string;
  timeUnixNano: string;
  asDouble?: number;
  /** A number, or a decimal string beyond Number.MAX_SAFE_INTEGER. */
  asInt?: number | string;
  flags: number;
}
export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  gauge?: { dataPoints: OtlpNumberDataPoint[] };
  /** aggregationTemporality: 1 delta, 2 cumulative (OTLP numbering, not sdk-metrics'). */
  sum?: { dataPoints: OtlpNumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  /** Histograms and the rest are kept as decoded, without scalar normalisation promises. */
  histogram?: Record<string, unknown>;
  exponentialHistogram?: Record<string, unknown>;
  summary?: Record<string, unknown>;
}
export interface OtlpScopeMetrics {
  scope?: OtlpScope;
  metrics: OtlpMetric[];
  schemaUrl: string;
}
export interface OtlpResourceMetrics {
  resource?: OtlpResource;
  scopeMetrics: OtlpScopeMetrics[];
  schemaUrl: string;
}
export interface OtlpExportMetricsRequest {
  resourceMetrics: OtlpResourceMetrics[];
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (api's SpanKind is one less). */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events: Record<string, unknown>[];
  links: Record<string, unknown>[];
  /** code: 0 unset, 1 ok, 2 error (same as api's SpanStatusCode). */
  status?: { code: number; message: string };
  flags: number;
}
export interface OtlpScopeSpans {
  scope?: OtlpScope;
  spans: OtlpSpan[];
  schemaUrl: string;
}
export interface OtlpResourceSpans {
  resource?: OtlpResource;
  scopeSpans: OtlpScopeSpans[];
  schemaUrl: string;
}
export interface OtlpExportTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

export interface OtlpExportLogsRequest {
  resourceLogs: Record<string, unknown>[];
}

export interface OtlpBodies {
  metrics: OtlpExportMetricsRequest;
  traces: OtlpExportTraceRequest;
  logs: OtlpExportLogsRequest;
}
export type OtlpBody = OtlpBodies[OtlpSignal];

const protoDir = path.dirname(createRequire(import.meta.url).resolve('@elastic/mockotlpserver/package.json'));
const root = new protobuf.Root();
// The protos import each other by repository-relative path; protobufjs would resolve them
// against the importing file's folder instead.
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
root.loadSync(['metrics', 'trace', 'logs'].map((s) => path.join(protoDir, `opentelemetry/proto/collector/${s}/v1/${s}_service.proto`)));
const requestTypes: Record<OtlpSignal, protobuf.Type> = {
  metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
};

// The ids OTLP/JSON carries as hex, where proto3's JSON mapping would use base64.
const HEX_ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);
const INT64_KEYS = new Set(['asInt', 'intValue']);

/** Decodes one request body; throws on a malformed body. */
export function decodeOtlp<S extends OtlpSignal>(signal: S, encoding: 'protobuf' | 'json', bytes: Uint8Array): OtlpBodies[S] {
  const type = requestTypes[signal];
  // JSON goes through the same schema so both encodings come out with the same fields,
  // defaults and scalar forms.
  const message =
    encoding === 'protobuf' ? type.decode(bytes) : type.fromObject(hexIdsToBytes(JSON.parse(Buffer.from(bytes).toString('utf8'))) as Record<string, unknown>);
  const plain = type.toObject(message, { longs: String, enums: Number, defaults: true, arrays: true });
  return normalise(plain) as OtlpBodies[S];
}

function hexIdsToBytes(v: unknown, key?: string): unknown {
  if (typeof v === 'string' && key !== undefined && HEX_ID_KEYS.has(key) && /^(?:[0-9a-f]{2})*$/i.test(v)) {
    return Buffer.from(v, 'hex');
  }
  if (Array.isArray(v)) return v.map((x) => hexIdsToBytes(x));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexIdsToBytes(x, k)]));
  }
  return v;
}

/** Bytes to hex, 64-bit integers to numbers where exact, unset sub-messages (null) dropped. */
function normalise(v: unknown, key?: string): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'string' && key !== undefined && INT64_KEYS.has(key)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  if (Array.isArray(v)) return v.map((x) => normalise(x));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = normalise(x, k);
    return out;
  }
  return v;
}

/** AnyValue to a JS value: strings, numbers, booleans, arrays, objects (kvlist); null if unset. */
export function otlpValue(v: OtlpAnyValue | undefined): OtlpValue {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return v.intValue; // a decimal string only past 2^53
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue !== undefined) return v.arrayValue.values.map(otlpValue);
  if (v.kvlistValue !== undefined) return otlpAttributes(v.kvlistValue.values);
  return null;
}

/** KeyValue[] to a record of unwrapped values. */
export function otlpAttributes(kvs: OtlpKeyValue[] | undefined): Record<string, OtlpValue> {
  const out: Record<string, OtlpValue> = {};
  for (const kv of kvs ?? []) out[kv.key] = otlpValue(kv.value);
  return out;
}
