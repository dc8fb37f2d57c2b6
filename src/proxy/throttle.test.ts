import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSY, Gate, LoginThrottle } from './throttle.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

test('Gate: at most maxRunning at once, maxWaiting queued in order, the rest BUSY at once', async () => {
  const gate = new Gate(2, 3);
  const release = deferred();
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const task = (i: number) => async () => {
    running++;
    most = Math.max(most, running);
    order.push(i);
    await release.promise;
    running--;
    return i;
  };
  const all = Array.from({ length: 10 }, (_, i) => gate.run(task(i)));
  const settled = await Promise.race([Promise.all(all.slice(5)), new Promise((r) => setTimeout(r, 1000, 'pending'))]);
  assert.deepEqual(settled, [BUSY, BUSY, BUSY, BUSY, BUSY]);
  assert.deepEqual(gate.load, { running: 2, waiting: 3 });
  release.resolve();
  assert.deepEqual(await Promise.all(all.slice(0, 5)), [0, 1, 2, 3, 4]);
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
});

test('Gate: a task that throws frees its slot', async () => {
  const gate = new Gate(1, 0);
  await assert.rejects(
    gate.run(async () => {
      throw new Error('x');
    }),
  );
  assert.equal(await gate.run(async () => 7), 7);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
});

test('LoginThrottle: counted when an attempt starts; released attempts do not count; per address; per window', () => {
  let now = 1_000_000;
  const t = new LoginThrottle(3, 60_000, () => now);
  const tickets = [t.begin('a'), t.begin('a'), t.begin('a')];
  assert.ok(tickets.every((x) => x !== undefined));
  // Three in progress: the fourth is refused before any of them has failed.
  assert.equal(t.begin('a'), undefined);
  assert.notEqual(t.begin('b'), undefined);
  t.release('a', tickets[0]!);
  const again = t.begin('a');
  assert.notEqual(again, undefined);
  assert.equal(t.begin('a'), undefined);
  // Many successes from one address never add up.
  for (let i = 0; i < 100; i++) t.release('c', t.begin('c')!);
  assert.notEqual(t.begin('c'), undefined);
  assert.equal(t.retryAfterS(), 60);
  now += 59_500;
  assert.equal(t.retryAfterS(), 1);
  now += 500;
  // A new window: everything forgotten; a ticket of the old one releases nothing new.
  const fresh = t.begin('a');
  assert.notEqual(fresh, undefined);
  t.release('a', tickets[1]!);
  t.begin('a');
  t.begin('a');
  assert.equal(t.begin('a'), undefined);
});

test('LoginThrottle: the number of addresses tracked in one window is bounded', () => {
  const t = new LoginThrottle(1, 60_000);
  let refused = 0;
  for (let i = 0; i < 70_000; i++) if (t.begin(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`) === undefined) refused++;
  assert.equal(refused, 70_000 - 65_536);
});
