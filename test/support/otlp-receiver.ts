/** An in-test OTLP/HTTP receiver on 127.0.0.1: takes POST /v1/metrics, /v1/traces and
 * /v1/logs as application/x-protobuf or application/json (gzip or not), and keeps every
 * request decoded into one shape (see otlp-decode.ts) whatever encoding the exporter used. */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeOtlp, otlpAttributes, type OtlpBodies, type OtlpBody, type OtlpNumberDataPoint, type OtlpSignal, type OtlpValue } from './otlp-decode.js';

export * from './otlp-decode.js';

export interface OtlpRequest {
  path: string;
  signal: OtlpSignal;
  /** The media type without parameters, e.g. 'application/x-protobuf'. */
  contentType: string;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** undefined when the body could not be decoded (see `error`). */
  body: OtlpBody | undefined;
  error?: string;
  /** The HTTP status the receiver answered with. */
  status: number;
}

export interface OtlpMetricPoint {
  name: string;
  unit: string;
  description: string;
  kind: 'gauge' | 'sum';
  monotonic?: boolean;
  temporality?: 'delta' | 'cumulative' | 'unspecified';
  attributes: Record<string, OtlpValue>;
  value: number;
  timeUnixNano: string;
  /** Instrumentation scope (meter) name. */
  scope: string;
  resource: Record<string, OtlpValue>;
}

export type OtlpSpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

export interface OtlpSpanRecord {
  traceId: string;
  spanId: string;
  /** undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: OtlpSpanKind;
  attributes: Record<string, OtlpValue>;
  /** 0 unset, 1 ok, 2 error, as api's SpanStatusCode. */
  status: { code: number; message?: string };
  scope: string;
  resource: Record<string, OtlpValue>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export interface OtlpReceiver {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** Every request received, in arrival order, including those answered with an error. */
  readonly requests: readonly OtlpRequest[];
  /** Gauge and sum data points across all requests, in arrival order. */
  metrics(): OtlpMetricPoint[];
  spans(): OtlpSpanRecord[];
  /** Answer every later request with this status (no body unless 200). */
  setStatus(code: number): void;
  /** Resolves with pred's first non-undefined result, checked now and after each request. */
  waitFor<T>(pred: () => T | undefined, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

const SIGNALS: Record<string, OtlpSignal> = { '/v1/metrics': 'metrics', '/v1/traces': 'traces', '/v1/logs': 'logs' };
const ENCODINGS: Record<string, 'protobuf' | 'json'> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};
const TEMPORALITY = ['unspecified', 'delta', 'cumulative'] as const;
const SPAN_KINDS: readonly OtlpSpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export async function startOtlpReceiver(opts: { status?: number } = {}): Promise<OtlpReceiver> {
  const requests: OtlpRequest[] = [];
  const listeners = new Set<() => void>();
  let status = opts.status ?? 200;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const signal = SIGNALS[path];
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const encoding = ENCODINGS[contentType];
      if (req.method !== 'POST' || signal === undefined) return void res.writeHead(404).end();
      if (encoding === undefined) return void res.writeHead(415).end();

      const record: OtlpRequest = { path, signal, contentType, headers: flatHeaders(req.headers), body: undefined, status };
      try {
        let bytes: Buffer = Buffer.concat(chunks);
        const contentEncoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
        if (contentEncoding === 'gzip') bytes = gunzipSync(bytes);
        else if (contentEncoding !== 'identity') throw new Error(`unsupported Content-Encoding ${contentEncoding}`);
        record.body = decodeOtlp(signal, encoding, bytes);
      } catch (err) {
        record.error = err instanceof Error ? err.message : String(err);
        // A body we cannot read is the client's fault, whatever status was asked for.
        if (status === 200) record.status = 400;
      }
      requests.push(record);
      if (record.status === 200) {
        // An empty Export*ServiceResponse: zero bytes in protobuf, {} in JSON.
        const payload = encoding === 'json' ? '{}' : '';
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }).end(payload);
      } else {
        res.writeHead(record.status, { 'content-length': 0 }).end();
      }
      for (const notify of [...listeners]) notify();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const bodies = <S extends OtlpSignal>(signal: S): OtlpBodies[S][] =>
    requests.filter((r) => r.signal === signal && r.body !== undefined).map((r) => r.body as OtlpBodies[S]);

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    metrics: () =>
      bodies('metrics').flatMap((b) =>
        b.resourceMetrics.flatMap((rm) => {
          const resource = otlpAttributes(rm.resource?.attributes);
          return rm.scopeMetrics.flatMap((sm) =>
            sm.metrics.flatMap((m): OtlpMetricPoint[] => {
              const base = { name: m.name, unit: m.unit, description: m.description, scope: sm.scope?.name ?? '', resource };
              if (m.gauge) return m.gauge.dataPoints.map((p) => ({ ...base, kind: 'gauge', ...point(p) }));
              if (m.sum) {
                const { isMonotonic, aggregationTemporality } = m.sum;
                const temporality = TEMPORALITY[aggregationTemporality] ?? 'unspecified';
                return m.sum.dataPoints.map((p) => ({ ...base, kind: 'sum', monotonic: isMonotonic, temporality, ...point(p) }));
              }
              return []; // histograms and summaries: read them from `requests` if ever needed
            }),
          );
        }),
      ),
    spans: () =>
      bodies('traces').flatMap((b) =>
        b.resourceSpans.flatMap((rs) => {
          const resource = otlpAttributes(rs.resource?.attributes);
          return rs.scopeSpans.flatMap((ss) =>
            ss.spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId === '' ? undefined : s.parentSpanId,
              name: s.name,
              kind: SPAN_KINDS[s.kind] ?? 'unspecified',
              attributes: otlpAttributes(s.attributes),
              status: s.status?.message ? { code: s.status.code, message: s.status.message } : { code: s.status?.code ?? 0 },
              scope: ss.scope?.name ?? '',
              resource,
              startTimeUnixNano: s.startTimeUnixNano,
              endTimeUnixNano: s.endTimeUnixNano,
            })),
          );
        }),
      ),
    setStatus: (code) => {
      status = code;
    },
    waitFor: <T>(pred: () => T | undefined, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const check = (): void => {
          let value: T | undefined;
          try {
            value = pred();
          } catch (err) {
            done();
            return reject(err);
          }
          if (value !== undefined) {
            done();
            resolve(value);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`OTLP receiver: nothing matched within ${timeoutMs} ms (${requests.length} requests)`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      // Exporters keep connections alive; don't wait for them to time out.
      server.closeAllConnections();
      await closed;
    },
  };
}

function point(p: OtlpNumberDataPoint): { attributes: Record<string, OtlpValue>; value: number; timeUnixNano: string } {
  const value = p.asDouble ?? Number(p.asInt ?? NaN);
  return { attributes: otlpAttributes(p.attributes), value, timeUnixNano: p.timeUnixNano };
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
