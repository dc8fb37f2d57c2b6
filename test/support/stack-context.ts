import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/** A synchronous context manager (the SDK registers an async one): enough for what a test calls
 * directly inside a span (a log line, a child span started before the first await). Counts
 * with(), so a test can tell whether a context was made at all. */
export class StackContext implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  withCalls = 0;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.withCalls++;
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
