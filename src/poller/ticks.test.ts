/** Ticks: jobs due within one grid step share one timer and run together, at the grid point at
 * or after their delay; a cancelled job never runs, and the last cancel clears its timer. On
 * mocked timers and clock: nothing here waits or reads wall time. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TICK_MS, tickFor, Ticks } from './ticks.js';

function mocked(t: TestContext): void {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
}

test('jobs due within one grid step share one timer and run at the grid point', (t) => {
  mocked(t);
  const ticks = new Ticks();
  const ran: string[] = [];
  for (const [name, delay] of [
    ['a', 1],
    ['b', 50],
    ['c', 100],
  ] as const)
    ticks.after(delay, 100, () => ran.push(name));
  ticks.after(101, 100, () => ran.push('d'));
  assert.equal(ticks.pending, 2, 'a, b and c on one timer, d on the next');
  t.mock.timers.tick(99);
  assert.deepEqual(ran, []);
  t.mock.timers.tick(1);
  assert.deepEqual(ran, ['a', 'b', 'c'], 'together, in the order armed');
  assert.equal(ticks.pending, 1);
  t.mock.timers.tick(100);
  assert.deepEqual(ran, ['a', 'b', 'c', 'd']);
  assert.equal(ticks.pending, 0);
});

test('a cancelled job never runs; the last cancel of a grid point clears its timer', (t) => {
  mocked(t);
  const ticks = new Ticks();
  const ran: string[] = [];
  const cancelA = ticks.after(10, 100, () => ran.push('a'));
  const cancelB = ticks.after(20, 100, () => ran.push('b'));
  cancelA();
  assert.equal(ticks.pending, 1, 'b still waits');
  t.mock.timers.tick(100);
  assert.deepEqual(ran, ['b']);
  const cancelC = ticks.after(10, 100, () => ran.push('c'));
  cancelC();
  cancelC(); // twice: harmless
  cancelB(); // after it ran: harmless
  assert.equal(ticks.pending, 0);
  t.mock.timers.tick(1000);
  assert.deepEqual(ran, ['b']);
});

test('a job armed while its grid point runs is not lost: it runs at the next one due', (t) => {
  mocked(t);
  const ticks = new Ticks();
  const ran: string[] = [];
  ticks.after(0, 100, () => {
    ran.push('first');
    ticks.after(0, 100, () => ran.push('armed by it'));
  });
  t.mock.timers.tick(100);
  t.mock.timers.tick(100);
  assert.deepEqual(ran, ['first', 'armed by it']);
  assert.equal(ticks.pending, 0);
});

test('tickFor: 100 ms for the usual intervals, a fiftieth of short ones, at least 1 ms', () => {
  assert.equal(tickFor(5000), MAX_TICK_MS);
  assert.equal(tickFor(30_000), MAX_TICK_MS);
  assert.equal(tickFor(1000), 20);
  assert.equal(tickFor(20), 1);
  assert.equal(tickFor(0), 1);
});
