import { afterEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CommandQueue, OVERRUN_GRACE_MS, QueueRegistry } from './command-queue.js';
import { KeaError } from '../errors.js';
import { probeQueue } from '../../test/support/queue-probe.js';
import { startDeadline } from '../transport/deadline.js';

const tick = () => new Promise((r) => setImmediate(r));
/** Settles promise chains several awaits deep (a run() resolving, its finally, the next start). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const p = new Promise<void>((r, j) => ((open = r), (fail = j)));
  return { p, open, fail };
}

/** A command's outcome, readable without awaiting it. */
function watch<T>(p: Promise<T>) {
  const s: { done: boolean; value?: T; error?: KeaError } = { done: false };
  p.then(
    (value) => Object.assign(s, { done: true, value }),
    (error: KeaError) => Object.assign(s, { done: true, error }),
  );
  return s;
}

/** Blocks the event loop, as a long synchronous render or parse would. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* busy */
  }
}

/** A priority holder of `runMs` whose exchange has a real deadline (transport/deadline.ts, which
 * measures the loop's stalls): 'timed out', or what `exchange` answers first. */
function deadlineHolder(q: CommandQueue, runMs: number, exchange: (answer: (text: string) => void) => void): Promise<string> {
  return q.run(
    () =>
      new Promise<string>((resolve) => {
        const d = startDeadline(
          runMs,
          () => resolve('timed out'),
          () => {},
        );
        exchange((text) => {
          d.cancel();
          resolve(text);
        });
      }),
    { runMs, priority: true },
  );
}

const PROXY = { runMs: 30_000, waitMs: 30_000 };
const POLL = { runMs: 300, priority: true };

afterEach(() => mock.timers.reset());

test('never runs more than maxInFlight at once, in FIFO order', async () => {
  const q = new CommandQueue({ maxInFlight: 2, maxQueued: 100 });
  const seen = probeQueue(q);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const jobs = Array.from({ length: 20 }, (_, i) =>
    q.run(
      async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await tick();
        running--;
        return i;
      },
      { runMs: 1000, priority: true },
    ),
  );
  assert.deepEqual(await Promise.all(jobs), [...Array(20).keys()]);
  assert.equal(peak, 2);
  assert.deepEqual(order, [...Array(20).keys()]);
  assert.equal(seen.running, 0);
  assert.equal(seen.waiting, 0);
});

test('rejects at once with queue_full beyond maxQueued', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 2 });
  const g = gate();
  const first = q.run(() => g.p, PROXY);
  const waiting = [q.run(async () => 1, PROXY), q.run(async () => 2, PROXY)];
  await assert.rejects(
    q.run(async () => 3, PROXY),
    (e: KeaError) => e.code === 'queue_full',
  );
  g.open();
  await first;
  assert.deepEqual(await Promise.all(waiting), [1, 2]);
});

test('a proxied waiter past waitMs fails with queue_timeout and gives up its place', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const seen = probeQueue(q);
  const g = gate();
  const first = q.run(() => g.p, PROXY);
  await assert.rejects(
    q.run(async () => 1, { runMs: 10, waitMs: 10 }),
    (e: KeaError) => e.code === 'queue_timeout',
  );
  assert.equal(seen.waiting, 0);
  g.open();
  await first;
  assert.equal(await q.run(async () => 'after', PROXY), 'after');
  assert.equal(seen.running, 0);
});

test('a failing job frees its slot', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const seen = probeQueue(q);
  await assert.rejects(
    q.run(async () => {
      throw new Error('boom');
    }, PROXY),
    /boom/,
  );
  assert.equal(await q.run(async () => 7, PROXY), 7);
  assert.equal(seen.running, 0);
});

test('registry shares one queue per key', () => {
  const r = new QueueRegistry({ maxInFlight: 1, maxQueued: 1 });
  assert.equal(r.get('unix:/a'), r.get('unix:/a'));
  assert.notEqual(r.get('unix:/a'), r.get('unix:/b'));
});

test('priority commands skip maxQueued and go before the others', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 2 });
  const g = gate();
  const order: string[] = [];
  const first = q.run(() => g.p, PROXY);
  const others = [q.run(async () => order.push('a'), PROXY), q.run(async () => order.push('b'), PROXY)];
  await assert.rejects(
    q.run(async () => 0, PROXY),
    (e: KeaError) => e.code === 'queue_full',
  );
  const poll = q.run(async () => order.push('poll'), POLL);
  g.open();
  await Promise.all([first, ...others, poll]);
  assert.deepEqual(order, ['poll', 'a', 'b']);
});

test("the next command starts only once the one before has had its result (parsing a big answer is not in the next one's timeout)", async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const g = gate();
  const order: string[] = [];
  const proxied = q.run(() => g.p, PROXY).then(() => order.push('proxied answer parsed'));
  const poll = q.run(async () => order.push('poll sent'), POLL);
  g.open();
  await Promise.all([proxied, poll]);
  assert.deepEqual(order, ['proxied answer parsed', 'poll sent']);
});

test('a poll behind one long proxied command waits past its own timeout, then goes first', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_800_000_000_000 });
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const seen = probeQueue(q);
  const g = gate();
  const order: string[] = [];
  const proxied = q.run(() => g.p, PROXY);
  const queuedProxy = watch(q.run(async () => order.push('proxied'), PROXY));
  const poll = watch(q.run(async (budget) => order.push(`poll ${budget}`), POLL));
  // 20 s: far past the poll's 300 ms, still inside what the proxied command may run.
  mock.timers.tick(20_000);
  await settle();
  assert.equal(poll.done, false, poll.error?.message);
  assert.equal(seen.running, 1, 'no second connection for the poll');
  g.open();
  await proxied;
  await settle();
  assert.equal(poll.error, undefined);
  // Its own exchange gets its own timeout, not less.
  assert.deepEqual(order, ['poll 300', 'proxied']);
  assert.equal(queuedProxy.done, true);
});

test('the proxied command in flight ends in a timeout: the poll then runs (and finds out the truth)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_800_000_000_000 });
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const kea = gate(); // never answers
  const proxied = watch(
    q.run(
      () =>
        new Promise<void>((_, reject) => {
          setTimeout(() => reject(new KeaError('timeout', 'no complete answer within 30000 ms')), PROXY.runMs);
          void kea.p;
        }),
      PROXY,
    ),
  );
  const poll = watch(q.run(async () => 'polled', POLL));
  mock.timers.tick(PROXY.runMs - 1);
  await settle();
  assert.equal(poll.done, false);
  mock.timers.tick(1);
  await settle();
  assert.equal(proxied.error?.code, 'timeout');
  assert.equal(poll.value, 'polled');
});

test('a holder overrunning its own bound: the poll fails with busy after bound + grace, and no slot is added', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_800_000_000_000 });
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const seen = probeQueue(q);
  const stuck = gate(); // ignores its runMs (a bug below the queue)
  const holder = q.run(() => stuck.p, { runMs: 5000, waitMs: 5000 });
  mock.timers.tick(1000);
  const poll = watch(q.run(async () => 'polled', POLL));
  mock.timers.tick(4000 + OVERRUN_GRACE_MS - 1);
  await settle();
  assert.equal(poll.done, false);
  mock.timers.tick(1);
  await settle();
  assert.equal(poll.error?.code, 'busy');
  assert.equal(seen.running, 1);
  assert.equal(seen.waiting, 0);
  stuck.open();
  await holder;
  assert.equal(await q.run(async () => 'later', POLL), 'later');
});

test('a stalled event loop while a holder runs moves its bound as it moves its exchange`s deadline: the poll behind it is not failed busy', async () => {
  // Real timers and a real stall: the holder's deadline (transport/deadline.ts) measures it.
  const RUN = 300;
  const STALL = RUN + OVERRUN_GRACE_MS + 100; // past the bound and its grace, within one more bound
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const answered = gate();
  const holder = watch(
    deadlineHolder(q, RUN, (answer) => {
      void answered.p.then(() => answer('answered'));
    }),
  );
  await settle();
  const poll = watch(q.run(async () => 'polled', POLL)); // e.g. the status poll behind statistics
  stall(STALL); // a long render or parse
  setImmediate(() => setTimeout(() => answered.open(), 20)); // Kea's answer, read once the loop runs again
  while (!poll.done) await tick();
  assert.equal(holder.value, 'answered');
  assert.equal(poll.value, 'polled', poll.error?.message);
});

test("a stall past the watchdog itself, Kea's answer waiting in the socket: read before any verdict, the poll behind is not failed busy", async () => {
  // After a long stall every timer is due in one timers phase, before the poll phase reads the
  // socket: the watchdog decides only after that read, as the holder's own deadline does.
  const RUN = 200;
  const STALL = 2 * RUN + OVERRUN_GRACE_MS + 300; // past the bound, one more bound, and the grace
  const dir = mkdtempSync(join(tmpdir(), 'queue-stall-'));
  const path = join(dir, 'kea.sock');
  // Kea in a thread of its own: it answers while this thread's loop is blocked.
  const kea = new Worker(
    `const net = require('node:net');
     const s = net.createServer((c) => c.once('data', () => c.end('answer')));
     s.listen(require('node:worker_threads').workerData, () => require('node:worker_threads').parentPort.postMessage('listening'));`,
    { eval: true, workerData: path },
  );
  await once(kea, 'message');
  try {
    const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
    const sent = gate();
    const holder = watch(
      deadlineHolder(q, RUN, (answer) => {
        const socket = createConnection(path, () => {
          socket.write('status-get');
          sent.open();
        });
        socket.once('data', (b) => {
          socket.destroy();
          answer(b.toString());
        });
      }),
    );
    await sent.p;
    const poll = watch(q.run(async () => 'polled', POLL));
    stall(STALL); // the answer arrives meanwhile and waits in the socket
    while (!poll.done) await tick();
    assert.equal(holder.value, 'answer');
    assert.equal(poll.value, 'polled', poll.error?.message);
  } finally {
    await kea.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stalled event loop between a hand-off and the start does not count as the holder overrunning', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_800_000_000_000 });
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const proxied = gate();
  const stats = gate();
  const holding = q.run(() => proxied.p, PROXY);
  const first = watch(q.run(() => stats.p, POLL)); // e.g. the statistics poll
  const poll = watch(q.run(async () => 'polled', POLL));
  proxied.open();
  for (let i = 0; i < 10; i++) await Promise.resolve(); // the slot is handed on; its start is not yet
  mock.timers.tick(5000); // the loop was busy for 5 s (parsing the proxied answer)
  await settle();
  assert.equal(poll.done, false, poll.error?.message);
  stats.open();
  await settle();
  await holding;
  assert.equal(first.error, undefined);
  assert.equal(poll.value, 'polled');
});

test('maxInFlight 3: proxied commands hold at most 2 slots; a poll always finds the third', async () => {
  const q = new CommandQueue({ maxInFlight: 3, maxQueued: 10 });
  const seen = probeQueue(q);
  assert.equal(q.othersShare, 2);
  const gates = [gate(), gate(), gate()];
  const proxied = gates.map((g) => watch(q.run(() => g.p, PROXY)));
  await settle();
  assert.equal(q.othersInFlight, 2);
  assert.equal(seen.running, 2);
  assert.equal(seen.waiting, 1, 'the third proxied command waits with a slot free');
  assert.equal(await q.run(async () => 'polled', POLL), 'polled', 'the poll took the free slot at once');
  gates[0]!.open();
  await settle();
  assert.equal(q.othersInFlight, 2, 'the waiting proxied command took the freed share');
  gates[1]!.open();
  gates[2]!.open();
  await settle();
  assert.ok(proxied.every((p) => p.done && !p.error));
  assert.equal(seen.running, 0);
});

test('maxInFlight 1: a proxied command and a poll share the one slot (no slot is reserved)', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  assert.equal(q.othersShare, 1);
  assert.equal(await q.run(async () => 'proxied', PROXY), 'proxied');
});

test('a poll beside proxied commands in flight gets their remaining time on top of its own (Kea answers it after them)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_800_000_000_000 });
  const q = new CommandQueue({ maxInFlight: 2, maxQueued: 10 });
  assert.equal(await q.run(async (budget) => budget, POLL), 300, 'alone: its own timeout');
  const g = gate();
  const proxied = q.run(() => g.p, { runMs: 8000, waitMs: 8000 });
  mock.timers.tick(3000);
  assert.equal(await q.run(async (budget) => budget, POLL), 300 + 5000);
  g.open();
  await proxied;
});

/** A random mix of polls and proxied commands, each taking a random time within its bound. */
const arb = fc.record({
  maxInFlight: fc.integer({ min: 1, max: 4 }),
  commands: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 200 }),
      priority: fc.boolean(),
      runMs: fc.integer({ min: 1, max: 100 }),
      took: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { minLength: 1, maxLength: 20 },
  ),
});

test('property: slots and shares are never exceeded; a poll waits no longer than the holders at its arrival may run, plus the polls ahead', async () => {
  await fc.assert(
    fc.asyncProperty(arb, async ({ maxInFlight, commands }) => {
      mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
      try {
        const q = new CommandQueue({ maxInFlight, maxQueued: 100 });
        const seen = probeQueue(q);
        const problems: string[] = [];
        const runs: Promise<unknown>[] = [];
        /** Deadline of each command in flight, and the runMs of each poll waiting. */
        const live = new Map<number, { priority: boolean; end: number }>();
        const pollsWaiting = new Map<number, number>();
        for (const [i, c] of commands.entries()) {
          setTimeout(() => {
            let bound = Infinity;
            if (c.priority && seen.running === maxInFlight) {
              bound = Date.now();
              for (const h of live.values()) bound = Math.max(bound, h.end);
              for (const ms of pollsWaiting.values()) bound += ms;
            }
            if (c.priority) pollsWaiting.set(i, c.runMs);
            const took = Math.floor(c.runMs * c.took);
            runs.push(
              q
                .run(
                  async (budget) => {
                    pollsWaiting.delete(i);
                    if (Date.now() > bound) problems.push(`poll ${i} waited past ${bound}: started ${Date.now()}`);
                    live.set(i, { priority: c.priority, end: Date.now() + budget });
                    if (seen.running > maxInFlight) problems.push(`${seen.running} in flight`);
                    if (q.othersInFlight > Math.max(1, maxInFlight - 1)) problems.push(`${q.othersInFlight} proxied in flight`);
                    await new Promise((r) => setTimeout(r, took));
                    live.delete(i);
                  },
                  c.priority ? { runMs: c.runMs, priority: true } : { runMs: c.runMs, waitMs: 10_000 },
                )
                .catch((e: KeaError) => problems.push(`command ${i}: ${e.code}`)),
            );
          }, c.at);
        }
        for (let t = 0; t < 200 + 20 * 100 + 10 && (runs.length < commands.length || seen.running + seen.waiting > 0); t++) {
          mock.timers.tick(1);
          // A freed slot passes to the next waiter one macrotask later: both within the same ms.
          await tick();
          await tick();
        }
        await Promise.all(runs);
        assert.deepEqual(problems, []);
        assert.equal(runs.length, commands.length);
        assert.equal(seen.running + seen.waiting, 0);
      } finally {
        mock.timers.reset();
      }
    }),
    { numRuns: 60 },
  );
});
