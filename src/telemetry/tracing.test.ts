/** The span wrappers: with OTel off they make no context (they run for every command and every
 * proxied request); with an SDK registered, spans nest as before. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { startServerSpan, traced, withSpan } from './tracing.js';
import { StackContext } from '../../test/support/stack-context.js';

test('OTel off: traced() and withSpan() run their function with a span that records nothing, and make no context', async (t) => {
  const contexts = new StackContext();
  context.setGlobalContextManager(contexts);
  t.after(() => context.disable());
  const server = startServerSpan('POST /targets/:name/', {}, {});
  let inner: boolean | undefined;
  const out = await withSpan(server, () =>
    traced('kea status-get', { 'kea.target': 't' }, async (span) => {
      inner = span.isRecording();
      return 7;
    }),
  );
  assert.equal(out, 7);
  assert.equal(inner, false);
  assert.equal(contexts.withCalls, 0);
  await assert.rejects(
    traced('kea status-get', {}, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
});

test('an SDK registered: traced() and withSpan() make their span the parent of the spans started inside', async (t) => {
  const contexts = new StackContext();
  context.setGlobalContextManager(contexts);
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  trace.setGlobalTracerProvider(provider);
  t.after(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });
  const server = startServerSpan('POST /targets/:name/', {}, {});
  // The child starts before the first await: the synchronous context manager still holds it.
  await withSpan(server, () => traced('kea forward', {}, () => traced('kea status-get', {}, async () => {})));
  server.end();
  const spans = new Map(memory.getFinishedSpans().map((s) => [s.name, s]));
  const id = (name: string) => spans.get(name)?.spanContext().spanId;
  assert.equal(spans.get('kea status-get')?.parentSpanContext?.spanId, id('kea forward'));
  assert.equal(spans.get('kea forward')?.parentSpanContext?.spanId, id('POST /targets/:name/'));
  assert.ok(contexts.withCalls >= 3);
});
