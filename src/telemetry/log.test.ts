import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager } from '@opentelemetry/api';
import { createLog } from '../log.js';
import { createTracedLog } from './log.js';
import { withSpan } from './tracing.js';

/** A synchronous context manager (the SDK registers an async one): enough for a log call made
 * directly inside withSpan. */
class StackContext implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const prev = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = prev;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

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
