import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandQueue, QueueRegistry } from './command-queue.js';
import { KeaError } from '../errors.js';

const tick = () => new Promise((r) => setImmediate(r));

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

test('never runs more than maxInFlight at once, in FIFO order', async () => {
  const q = new CommandQueue({ maxInFlight: 2, maxQueued: 100 });
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const jobs = Array.from({ length: 20 }, (_, i) =>
    q.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await tick();
      running--;
      return i;
    }),
  );
  assert.deepEqual(await Promise.all(jobs), [...Array(20).keys()]);
  assert.equal(peak, 2);
  assert.deepEqual(order, [...Array(20).keys()]);
  assert.equal(q.inFlight, 0);
  assert.equal(q.queued, 0);
});

test('rejects at once with queue_full beyond maxQueued', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 2 });
  const g = gate();
  const first = q.run(() => g.p);
  const waiting = [q.run(async () => 1), q.run(async () => 2)];
  await assert.rejects(q.run(async () => 3), (e: KeaError) => e.code === 'queue_full');
  g.open();
  await first;
  assert.deepEqual(await Promise.all(waiting), [1, 2]);
});

test('a waiter past waitMs fails with queue_timeout and gives up its place', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  const g = gate();
  const first = q.run(() => g.p);
  await assert.rejects(q.run(async () => 1, 10), (e: KeaError) => e.code === 'queue_timeout');
  assert.equal(q.queued, 0);
  g.open();
  await first;
  assert.equal(await q.run(async () => 'after'), 'after');
  assert.equal(q.inFlight, 0);
});

test('a failing job frees its slot', async () => {
  const q = new CommandQueue({ maxInFlight: 1, maxQueued: 10 });
  await assert.rejects(q.run(async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await q.run(async () => 7), 7);
  assert.equal(q.inFlight, 0);
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
  const first = q.run(() => g.p);
  const others = [q.run(async () => order.push('a')), q.run(async () => order.push('b'))];
  await assert.rejects(q.run(async () => 0), (e: KeaError) => e.code === 'queue_full');
  const poll = q.run(async () => order.push('poll'), Infinity, true);
  g.open();
  await Promise.all([first, ...others, poll]);
  assert.deepEqual(order, ['poll', 'a', 'b']);
});
