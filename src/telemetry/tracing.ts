import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

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
  return tracer().startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes }, opts.parent ?? context.active(), async (span) => {
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

/** A span the caller ends (a request that spans several hooks), continuing a W3C traceparent. */
export function startServerSpan(name: string, headers: Record<string, unknown>, attributes: Attributes): Span {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Runs fn with `span` active, so the spans it starts are its children. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** trace_id/span_id of a span (or the active one) for log lines; {} when none is recorded. */
export function traceIds(span: Span | undefined = trace.getSpan(context.active())): { trace_id?: string; span_id?: string } {
  const c = span?.spanContext();
  if (!c || !trace.isSpanContextValid(c)) return {};
  return { trace_id: c.traceId, span_id: c.spanId };
}
