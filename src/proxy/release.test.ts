/** forward()'s release: once the response is done, exchanges still running (queued behind a
 * refusal, or a stream its reader left) are stopped; one that read its whole answer is left to
 * end by itself, and the request's signal is not aborted (no error is made for it). Stub
 * daemons, no sockets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeaError } from '../errors.js';
import { AnswerBudget } from './budget.js';
import { forward, type ForwardContext } from './forward.js';
import type { ExchangeOutcome, ProxyEndpoint, ProxyTarget } from './source.js';
import type { AnswerStream } from '../transport/stream.js';

const noCount = { inc: () => {} };

function context(): ForwardContext {
  return {
    timeoutMs: 1000,
    unredacted: false,
    streaming: { budget: new AnswerBudget(1 << 30), refusals: noCount, aborted: noCount },
    cancel: new AbortController(),
    onAbort: () => {},
  };
}

const answerOf = (...chunks: string[]): AnswerStream => {
  const left = chunks.map((c) => Buffer.from(c));
  return { next: async () => left.shift(), close: () => {} };
};

type Forward = ProxyEndpoint['forward'];

function endpoint(label: string, fwd: Forward): ProxyEndpoint {
  return {
    label,
    transport: { kind: 'unix' },
    forward: fwd,
    answerOf: (text) => ({ answer: JSON.parse(text) as { result: number }, text }),
  };
}

function target(endpoints: Record<string, ProxyEndpoint>): ProxyTarget {
  return { name: 't', config: { kind: 'agent' }, snapshots: () => [], endpointFor: (s) => (s === undefined ? undefined : endpoints[s]) };
}

test('a whole answer read: release leaves the request signal alone', async () => {
  const whole: Forward = async (_command, _timeoutMs, _args, consume, opts) => {
    opts?.admit?.();
    const done = await consume(answerOf('{ "result": 0, ', '"text": "ok" }'), new AbortController().signal);
    // The slot is given back a moment after the answer is read (the socket closed, the queue
    // moved on), as Endpoint.forward does: the response may be released first.
    await new Promise((r) => setImmediate(r));
    return done;
  };
  const ctx = context();
  const out = await forward(target({ dhcp4: endpoint('d4', whole) }), { command: 'status-get', service: ['dhcp4'] }, ctx);
  assert.equal('body' in out && out.body, '[ { "result": 0, "text": "ok" } ]');
  out.release();
  assert.equal(ctx.cancel.signal.aborted, false);
});

test('a refusal for one daemon while another is still queued: the answer is the refusal, and the queued one is stopped', async () => {
  const full: Forward = () => Promise.reject(new KeaError('queue_full', 'd4: 10 commands already waiting'));
  const seen: { reason?: unknown } = {};
  const queued: Forward = (_command, _timeoutMs, _args, _consume, opts) =>
    new Promise<ExchangeOutcome>((_, reject) => {
      opts?.cancel?.addEventListener('abort', () => reject((seen.reason = opts.cancel!.reason)), { once: true });
    });
  const ctx = context();
  const out = await forward(
    target({ dhcp4: endpoint('d4', full), dhcp6: endpoint('d6', queued) }),
    { command: 'status-get', service: ['dhcp4', 'dhcp6'] },
    ctx,
  );
  assert.equal('status' in out && out.status, 503);
  assert.equal(ctx.cancel.signal.aborted, true);
  assert.ok(seen.reason instanceof KeaError);
  assert.equal(seen.reason.code, 'closed');
  out.release(); // again, from the response's close: nothing more
});
