/** What the SDK registers for contexts: an AsyncLocalStorage behind every promise only when
 * spans are exported (they carry a poll's span to its commands); metrics alone need none. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';
import { createLog } from '../../log.js';
import { PrometheusRenderer } from '../prometheus/registry.js';
import type { OtelSettings, SignalSettings } from '../../telemetry/settings.js';
import { startOtel } from './sdk.js';

// Nothing listens there: exports fail, are counted, and disturb nothing (the metrics one is due
// only after the test).
const signal = (path: string): SignalSettings => ({ url: `http://127.0.0.1:9/${path}`, protocol: 'http/protobuf', headers: {}, timeoutMs: 200 });
const KEY = createContextKey('sdk.test');

async function activeAfterAwait(withTraces: boolean): Promise<unknown> {
  const settings: OtelSettings = {
    enabled: true,
    metrics: signal('v1/metrics'),
    ...(withTraces && { traces: signal('v1/traces') }),
    intervalMs: 60_000,
    resource: { 'service.name': 'sdk-test' },
  };
  const renderer = new PrometheusRenderer({ version: 'test', processMetrics: false }, [], []);
  const otel = startOtel(settings, { renderer, log: createLog('silent'), version: 'test' })!;
  try {
    const mine = ROOT_CONTEXT.setValue(KEY, 'mine');
    return await context.with(mine, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return context.active().getValue(KEY);
    });
  } finally {
    await otel.shutdown();
  }
}

test('with traces, a context set before an await is the active one after it', async () => {
  assert.equal(await activeAfterAwait(true), 'mine');
});

test('metrics alone register no context manager: every context is the root one', async () => {
  assert.equal(await activeAfterAwait(false), undefined);
});
