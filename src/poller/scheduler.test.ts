/** The Scheduler alone, on real timers and fake targets: jitter bounds, one poll at a time per
 * target and kind, a removed target's late result dropped, and a new plan followed by the targets
 * it keeps (background, intervals, statistics on and off). Nothing asserts wall time: tests wait
 * for polls to happen, with deadlines far beyond the intervals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DaemonSnapshot, PerfmonSnapshot, StatisticsSnapshot } from '../snapshot.js';
import { DEFAULT_JITTER, FIRST_STATISTICS_PER_SECOND, jitteredWait, Scheduler, spreadWait, type Kind, type Pollable, type SchedulerPlan } from './scheduler.js';

/** A target whose polls take `delayMs`, and wait for their kind's gate while one is set; counts everything. */
class FakeTarget implements Pollable {
  readonly done: Record<Kind, number> = { status: 0, statistics: 0, perfmon: 0 };
  readonly active: Record<Kind, number> = { status: 0, statistics: 0, perfmon: 0 };
  readonly maxActive: Record<Kind, number> = { status: 0, statistics: 0, perfmon: 0 };
  delayMs = 0;
  readonly gates: Partial<Record<Kind, Promise<void>>> = {};
  /** When each poll of a kind started (Date.now()). */
  readonly started: Record<Kind, number[]> = { status: [], statistics: [], perfmon: [] };
  constructor(readonly name: string) {}

  poll(): Promise<ReadonlyMap<string, DaemonSnapshot>> {
    return this.run('status', `${this.name}|self`, {} as DaemonSnapshot);
  }

  pollStatistics(): Promise<ReadonlyMap<string, StatisticsSnapshot>> {
    return this.run('statistics', `${this.name}|self#statistics`, {} as StatisticsSnapshot);
  }

  private async run<S>(kind: Kind, key: string, s: S): Promise<ReadonlyMap<string, S>> {
    this.started[kind].push(Date.now());
    this.maxActive[kind] = Math.max(this.maxActive[kind], ++this.active[kind]);
    try {
      if (this.delayMs) await sleep(this.delayMs);
      await this.gates[kind];
      this.done[kind]++;
      return new Map([[key, s]]);
    } finally {
      this.active[kind]--;
    }
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Waits until `pred` holds; fails past a deadline far beyond any interval used here. */
async function until(what: string, pred: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function recorder() {
  const got = { snapshots: [] as string[], statistics: [] as string[], errors: [] as unknown[] };
  const hooks = {
    onSnapshot: (key: string) => void got.snapshots.push(key),
    onStatistics: (key: string) => void got.statistics.push(key),
    onError: (err: unknown) => void got.errors.push(err),
  };
  return { got, hooks };
}

const HOUR = 3_600_000;
const plan = (p: Partial<SchedulerPlan> = {}): SchedulerPlan => ({ intervalMs: 20, background: true, ...p });

test('jitteredWait: within interval x (1 ± jitter), less the time the poll took, never negative', () => {
  for (const r of [0, 0.25, 0.5, 0.75, 1 - 1e-12]) {
    const w = jitteredWait(1000, 0.1, 0, () => r);
    assert.ok(w >= 900 && w <= 1100, `${r}: ${w}`);
  }
  assert.equal(
    jitteredWait(1000, 0.1, 0, () => 0.5),
    1000,
  );
  assert.equal(
    jitteredWait(1000, 0.1, 300, () => 0.5),
    700,
    'the poll took 300 ms of the interval',
  );
  assert.equal(
    jitteredWait(1000, 0.1, 5000, () => 0.5),
    0,
    'a poll longer than the interval: the next at once',
  );
  const waits = Array.from({ length: 2000 }, () => jitteredWait(5000, DEFAULT_JITTER, 0));
  assert.ok(waits.every((w) => w >= 4750 && w <= 5250));
  assert.ok(Math.min(...waits) < 4900 && Math.max(...waits) > 5100, 'spread over the range, not one value');
});

test('spreadWait: within (jitter, 1 + jitter] x interval', () => {
  for (const r of [0, 0.25, 0.5, 0.75, 1 - 1e-12]) {
    const w = spreadWait(1000, 0.05, () => r);
    assert.ok(w > 50 && w <= 1050, `${r}: ${w}`);
  }
  assert.equal(
    spreadWait(1000, 0.05, () => 0),
    1050,
  );
});

test('targets polled together at start are spread over the interval at their second poll, then keep their place', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const n = 20;
  let k = 0;
  t.mock.method(Math, 'random', () => (k++ % n) / n); // evenly spaced "random" places
  const targets = Array.from({ length: n }, (_, i) => new FakeTarget(`t${i}`));
  const polledAt: number[][] = targets.map(() => []);
  const hooks = {
    onSnapshot: (key: string) => void polledAt[Number(key.slice(1, key.indexOf('|')))]!.push(Date.now()),
  };
  const s = new Scheduler(targets, plan({ intervalMs: 5000, jitter: 0 }), hooks);
  const flush = () => new Promise<void>((r) => setImmediate(r));
  try {
    await s.start();
    for (let ms = 0; ms < 11_000; ms += 100) {
      t.mock.timers.tick(100);
      await flush();
    }
  } finally {
    await s.stop();
  }
  const second = polledAt.map((p) => p[1]!);
  assert.ok(
    second.every((at) => at > 0 && at <= 5100),
    `second polls within the first interval (and one tick): ${second.join()}`,
  );
  const ticks = new Set(second.map((at) => Math.ceil(at / 100)));
  assert.ok(ticks.size >= n * 0.75, `second polls in ${ticks.size} different 100 ms ticks: ${second.join()}`);
  // Without jitter the third poll is one interval after the second: the place is kept.
  for (const p of polledAt) assert.equal(p[2]! - p[1]!, 5000, p.join());
});

test('a target is never polled twice at once for one kind: slow polls delay the next, asked polls join', async () => {
  const t = new FakeTarget('slow');
  t.delayMs = 30; // longer than the 5 ms interval
  const { hooks } = recorder();
  const s = new Scheduler([t], plan({ intervalMs: 5, statisticsIntervalMs: 5, jitter: 0.5 }), hooks);
  try {
    await s.start();
    // Polls asked for meanwhile (GET /probe) join the running one.
    await Promise.all(Array.from({ length: 10 }, () => s.pollTarget(t)));
    await until('10 polls of each kind', () => t.done.status >= 10 && t.done.statistics >= 10);
  } finally {
    await s.stop();
  }
  assert.deepEqual(t.maxActive, { status: 1, statistics: 1, perfmon: 0 });
});

test('a removed target: its late results are dropped, its timers stop', async () => {
  const kept = new FakeTarget('kept');
  const gone = new FakeTarget('gone');
  const held = gate();
  gone.gates.status = held.promise;
  const { got, hooks } = recorder();
  const s = new Scheduler([kept, gone], plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }), hooks);
  try {
    const first = s.start();
    await until('the kept target polled', () => kept.done.status === 1);
    await s.update([kept], plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }));
    held.open();
    await first;
    assert.equal(gone.done.status, 1, 'its poll did finish');
    assert.ok(!got.snapshots.includes('gone|self'), 'but its result was dropped');
    assert.ok(got.snapshots.includes('kept|self'));
    await until("the kept target's statistics", () => got.statistics.includes('kept|self#statistics'));
    assert.equal(gone.done.statistics, 0, 'no statistics poll for the removed target');
  } finally {
    await s.stop();
  }
  assert.deepEqual(got.errors, []);
});

test('a statistics poll running when its target is removed: its result is dropped', async () => {
  const t = new FakeTarget('t');
  const held = gate();
  t.gates.statistics = held.promise;
  const { got, hooks } = recorder();
  const s = new Scheduler([t], plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }), hooks);
  try {
    await s.start();
    await until('the statistics poll under way', () => t.active.statistics === 1);
    await s.update([], plan());
    held.open();
    await until('the statistics poll to end', () => t.done.statistics === 1 && t.active.statistics === 0);
    assert.deepEqual(got.statistics, []);
    assert.deepEqual(got.snapshots, ['t|self'], 'the status poll before the removal was delivered');
  } finally {
    await s.stop();
  }
});

test('update with the same plan: kept targets get no extra poll', async () => {
  const t = new FakeTarget('t');
  const { hooks } = recorder();
  const s = new Scheduler([t], plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }), hooks);
  try {
    await s.start();
    await until('the first statistics poll', () => t.done.statistics === 1);
    for (let i = 0; i < 5; i++) await s.update([t], plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }));
    assert.deepEqual(t.done, { status: 1, statistics: 1, perfmon: 0 });
    assert.deepEqual(t.active, { status: 0, statistics: 0, perfmon: 0 });
  } finally {
    await s.stop();
  }
});

test('a kept target follows the new plan: background on, a shorter interval, background off', async () => {
  const t = new FakeTarget('t');
  const { hooks } = recorder();
  const s = new Scheduler([t], plan({ intervalMs: 20, background: false }), hooks);
  try {
    await s.start();
    assert.equal(t.done.status, 1, 'the first round, also without background');
    await s.update([t], plan({ intervalMs: HOUR, background: true }));
    await s.update([t], plan({ intervalMs: 20, background: true })); // re-armed: not an hour away
    await until('polls on the 20 ms timer', () => t.done.status >= 5);
    await s.update([t], plan({ intervalMs: 20, background: false }));
    await until('a poll under way to end', () => t.active.status === 0);
    const n = t.done.status;
    await sleep(300); // fifteen intervals
    assert.equal(t.done.status, n, 'no timer with background off');
  } finally {
    await s.stop();
  }
});

test('background switched on while a poll asked for (GET /probe) runs: the timers start after it', async () => {
  const t = new FakeTarget('t');
  const { hooks } = recorder();
  const s = new Scheduler([t], plan({ background: false }), hooks);
  try {
    await s.start();
    const held = gate();
    t.gates.status = held.promise;
    const probe = s.pollTarget(t);
    await s.update([t], plan({ background: true }));
    delete t.gates.status;
    held.open();
    await probe;
    await until('polls on the timer', () => t.done.status >= 5);
  } finally {
    await s.stop();
  }
});

test('statistics switched off and on by an update', async () => {
  const t = new FakeTarget('t');
  const { got, hooks } = recorder();
  const s = new Scheduler([t], plan({ intervalMs: HOUR, statisticsIntervalMs: 20 }), hooks);
  try {
    await s.start();
    await until('statistics on their timer', () => t.done.statistics >= 3);
    await s.update([t], plan({ intervalMs: HOUR }));
    await until('a statistics poll under way to end', () => t.active.statistics === 0);
    const n = t.done.statistics;
    await sleep(300);
    assert.equal(t.done.statistics, n, 'statistics off: no poll');
    await s.pollTarget(t);
    assert.equal(t.done.statistics, n, 'nor from pollTarget without a kind');
    await s.update([t], plan({ intervalMs: HOUR, statisticsIntervalMs: 20 }));
    await until('statistics again', () => t.done.statistics >= n + 3);
    assert.equal(got.statistics.length, t.done.statistics);
  } finally {
    await s.stop();
  }
});

test('a target added by an update before start() is polled by start(), not before', async () => {
  const a = new FakeTarget('a');
  const b = new FakeTarget('b');
  const { hooks } = recorder();
  const s = new Scheduler([a], plan({ intervalMs: HOUR }), hooks);
  try {
    await s.update([a, b], plan({ intervalMs: HOUR }));
    assert.equal(b.done.status, 0);
    await s.start();
    assert.deepEqual([a.done.status, b.done.status], [1, 1]);
  } finally {
    await s.stop();
  }
});

/** A target with PerfMon: its interval is what its daemons ask for, once they said. */
class PerfmonTarget extends FakeTarget {
  askedMs: number | undefined;
  readonly perfmonDone: number[] = [];

  pollPerfmon(): Promise<ReadonlyMap<string, PerfmonSnapshot>> {
    this.perfmonDone.push(Date.now());
    return Promise.resolve(new Map([[`${this.name}|self#perfmon`, {} as PerfmonSnapshot]]));
  }

  perfmonIntervalMs(): number | undefined {
    return this.askedMs;
  }
}

test('perfmon: its own lane while statistics are on, at the interval the target asks for, else the statistics interval', async () => {
  const t = new PerfmonTarget('a');
  const perfmon: string[] = [];
  const { got, hooks } = recorder();
  const s = new Scheduler([t], plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }), { ...hooks, onPerfmon: (key) => void perfmon.push(key) });
  try {
    await s.start();
    await until('the first perfmon poll', () => perfmon.length === 1);
    assert.deepEqual(perfmon, ['a|self#perfmon']);
    // The target now knows Kea's interval: a plan update re-arms the lane for it.
    t.askedMs = 10;
    await s.update([t], plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }));
    await until('perfmon polled at its own interval', () => perfmon.length >= 5);
    assert.equal(t.done.statistics, 1, 'statistics keep their hour');
    assert.equal(got.statistics.length, 1);
    // Statistics off: PerfMon stops with them.
    await s.update([t], plan({ intervalMs: HOUR }));
    const n = t.perfmonDone.length;
    await sleep(100);
    assert.ok(t.perfmonDone.length <= n + 1, 'no perfmon polls once statistics are off');
  } finally {
    await s.stop();
  }
});

test("targets' first statistics polls start in turn, FIRST_STATISTICS_PER_SECOND a second, not all at once; stop() cancels those still waiting", async () => {
  const n = 60;
  const targets = Array.from({ length: n }, (_, i) => new FakeTarget(`t${i}`));
  const { got, hooks } = recorder();
  const s = new Scheduler(targets, plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }), hooks);
  const gap = 1000 / FIRST_STATISTICS_PER_SECOND;
  try {
    const started = Date.now();
    await s.start();
    await until('every first statistics poll', () => targets.every((t) => t.done.statistics === 1));
    const firsts = targets.map((t) => t.started.statistics[0]!).sort((a, b) => a - b);
    // Lower bounds only (a loaded machine makes them later, never sooner): the i-th no sooner
    // than i gaps after the first status round began.
    for (let i = 0; i < n; i++) assert.ok(firsts[i]! >= started + i * gap - 1, `poll ${i} at +${firsts[i]! - started} ms`);
    assert.equal(got.statistics.length, n);
  } finally {
    await s.stop();
  }
  // Stopped while most still wait: those never start.
  const late = Array.from({ length: n }, (_, i) => new FakeTarget(`late${i}`));
  const s2 = new Scheduler(late, plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }), recorder().hooks);
  await s2.start();
  await s2.stop();
  const polled = late.filter((t) => t.done.statistics > 0).length;
  await sleep(n * gap + 50);
  assert.equal(late.filter((t) => t.started.statistics.length > 0).length, polled, 'no first poll after stop()');
  assert.ok(polled < n, `${polled} of ${n} polled before stop()`);
});

test('a first statistics poll still waiting its turn when the target is polled (GET /probe): that poll was its first, no second follows', async () => {
  const targets = Array.from({ length: 20 }, (_, i) => new FakeTarget(`t${i}`));
  const s = new Scheduler(targets, plan({ intervalMs: HOUR, statisticsIntervalMs: HOUR }), recorder().hooks);
  try {
    await s.start();
    const last = targets.at(-1)!;
    await s.pollTarget(last, 'statistics');
    await until('every first statistics poll', () => targets.every((t) => t.done.statistics >= 1));
    await sleep((20 * 1000) / FIRST_STATISTICS_PER_SECOND + 150);
    assert.deepEqual(
      targets.map((t) => t.done.statistics),
      targets.map(() => 1),
    );
  } finally {
    await s.stop();
  }
});
