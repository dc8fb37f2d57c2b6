import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/** The API's tracer: a no-op until startOtel() registers the SDK, so tracing costs next to
 * nothing when OTel is off. Looked up per span: a stopped SDK unregisters, a new one registers. */
const tracer = () => trace.getTracer('kea-telemetry');

export { SpanKind, SpanStatusCode, type Span };

/** Span attribute names (no semantic convention covers Kea's control channel). */
export const ATTR = {
  target: 'kea.target',
  daemon: 'kea.daemon',
  command: 'kea.command',
  transport: 'kea.transport',
  result: 'kea.result',
  responseBytes: 'kea.response.size',
  up: 'kea.up',
} as const;

/** Runs fn in a new active span (child of the active one, or of `parent`); an exception ends
 * it with status error. */
export function traced<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, opts: { kind?: SpanKind; parent?: Context } = {}): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes }, parent);
  // OTel off: a no-op span with no trace behind it, nothing to make active (this runs for every
  // command and proxied request; a context costs a Map and closures).
  if (isNoTrace(span)) return fn(span);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The no-op tracer's span outside any trace (OTel off): it records nothing and parents nothing. */
const isNoTrace = (span: Span): boolean => span.spanContext() === INVALID_SPAN_CONTEXT;

/** A span the caller ends (a request that spans several hooks), continuing a W3C traceparent. */
export function startServerSpan(name: string, headers: Record<string, unknown>, attributes: Attributes): Span {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Runs fn with `span` active, so the spans it starts are its children. */
export function withSpan<T>(span: Span, fn: () => T): T {
  const active = context.active();
  if (isNoTrace(span) && trace.getSpan(active) === undefined) return fn();
  return context.with(trace.setSpan(active, span), fn);
}

/** trace_id/span_id of a span (or the active one) for log lines; {} when none is recorded. */
export function traceIds(span: Span | undefined = trace.getSpan(context.active())): { trace_id?: string; span_id?: string } {
  const c = span?.spanContext();
  if (!c || !trace.isSpanContextValid(c)) return {};
  return { trace_id: c.traceId, span_id: c.spanId };
}
