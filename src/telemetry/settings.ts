import type { OtelConfig } from '../config/types.js';

/** One signal's exporter settings, the config file and OTEL_* variables merged. */
export interface SignalSettings {
  url: string;
  protocol: OtelConfig['protocol'];
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface OtelSettings {
  enabled: boolean;
  /** Undefined: that signal's exporter is "none". */
  metrics?: SignalSettings;
  traces?: SignalSettings;
  intervalMs: number;
  resource: Record<string, string | number | boolean>;
}

type Env = Readonly<Record<string, string | undefined>>;
const PROTOCOLS: readonly OtelConfig['protocol'][] = ['http/protobuf', 'http/json', 'grpc'];
const DEFAULT_TIMEOUT_MS = 10_000;

/** `k=v,k2=v2` (W3C baggage style, values percent-encoded), as OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_EXPORTER_OTLP_HEADERS spell them. Malformed pairs are skipped, as the SDKs do. */
export function parseKeyValues(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (s ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
    } catch {
      // not percent-decodable: skip it like a malformed pair
    }
  }
  return out;
}

/** The OTel spec's environment variables win over the file: the deployment knows best. */
export function otelSettings(file: OtelConfig, env: Env, identity: { version: string; instanceId: string; host: string }): OtelSettings {
  const num = (name: string): number | undefined => {
    const v = Number(env[name]);
    return env[name] !== undefined && env[name] !== '' && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const signal = (s: 'METRICS' | 'TRACES', path: string): SignalSettings | undefined => {
    if (env[`OTEL_${s}_EXPORTER`]?.trim() === 'none') return undefined;
    const p = env[`OTEL_EXPORTER_OTLP_${s}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
    const protocol = PROTOCOLS.find((x) => x === p?.trim()) ?? file.protocol;
    const grpc = protocol === 'grpc';
    const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT || file.endpoint || (grpc ? 'http://localhost:4317' : 'http://localhost:4318')).replace(/\/+$/, '');
    // A per-signal URL is used as given; the base gets the signal's path (not for gRPC).
    const url = env[`OTEL_EXPORTER_OTLP_${s}_ENDPOINT`] || (grpc ? base : `${base}/${path}`);
    const headers = { ...file.headers, ...parseKeyValues(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValues(env[`OTEL_EXPORTER_OTLP_${s}_HEADERS`]) };
    const timeoutMs = num(`OTEL_EXPORTER_OTLP_${s}_TIMEOUT`) ?? num('OTEL_EXPORTER_OTLP_TIMEOUT') ?? DEFAULT_TIMEOUT_MS;
    return { url, protocol, headers, timeoutMs };
  };
  const resource: Record<string, string | number | boolean> = {
    'service.name': 'kea-telemetry',
    'service.version': identity.version,
    'service.instance.id': identity.instanceId,
    'host.name': identity.host,
    ...file.resourceAttributes,
    ...parseKeyValues(env.OTEL_RESOURCE_ATTRIBUTES),
  };
  if (env.OTEL_SERVICE_NAME) resource['service.name'] = env.OTEL_SERVICE_NAME;
  const metrics = signal('METRICS', 'v1/metrics');
  const traces = signal('TRACES', 'v1/traces');
  return {
    enabled: file.enabled && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true',
    ...(metrics && { metrics }),
    ...(traces && { traces }),
    intervalMs: num('OTEL_METRIC_EXPORT_INTERVAL') ?? file.intervalMs,
    resource,
  };
}
