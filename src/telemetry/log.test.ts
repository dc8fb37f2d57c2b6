import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { createLog } from '../log.js';
import { createTracedLog } from './log.js';
import { withSpan } from './tracing.js';
import { StackContext } from '../../test/support/stack-context.js';

const lines = () => {
  const out: Record<string, unknown>[] = [];
  return { out, sink: { write: (s: string) => void out.push(JSON.parse(s) as Record<string, unknown>) } };
};

test("the traced log adds the active span's ids to its lines; the plain log never does", (t) => {
  context.setGlobalContextManager(new StackContext());
  t.after(() => context.disable());
  const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
  const traced = lines();
  const plain = lines();
  const log = createTracedLog('info', traced.sink);
  const bare = createLog('info', plain.sink);
  log.info({ n: 1 }, 'outside');
  withSpan(span, () => {
    log.info({ n: 2 }, 'inside');
    bare.info({ n: 3 }, 'inside');
  });
  assert.deepEqual(
    traced.out.map((l) => [l.msg, l.trace_id, l.span_id]),
    [
      ['outside', undefined, undefined],
      ['inside', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'],
    ],
  );
  assert.equal(plain.out.length, 1);
  assert.equal('trace_id' in plain.out[0]!, false);
  assert.equal(plain.out[0]!.name, 'kea-telemetry');
});
