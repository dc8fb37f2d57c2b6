import { KeaError } from '../errors.js';
import { loopStalledMs } from '../transport/deadline.js';

export interface QueueLimits {
  /** Commands running at once (Kea 2.2 aborts near 1,000 open control connections). */
  maxInFlight: number;
  /** Commands allowed to wait; one more fails at once with queue_full. */
  maxQueued: number;
}

export interface RunOptions {
  /** The longest the command runs once started (its exchange timeout): how long it may keep
   * its slot, so what a priority command behind it may have to wait. */
  runMs: number;
  /** The poller's commands (a couple per daemon): first in line, not counted against
   * maxQueued, and always left a slot of their own when maxInFlight > 1. */
  priority?: boolean;
  /** Other commands only: the longest to wait for a slot (queue_timeout beyond). A priority
   * command waits instead as long as the commands holding the slots may still run. */
  waitMs?: number;
}

/** Slack on a holder's own bound before it counts as overrunning it: its timer fires first, and
 * its slot is released a moment later (longer when the event loop is busy). */
export const OVERRUN_GRACE_MS = 1000;
/** setTimeout's largest delay; anything longer fires at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Holder {
  readonly priority: boolean;
  /** What the command was given to run in, from its start. */
  readonly budgetMs: number;
  /** When it must have ended (Unix ms); undefined while handed the slot but not started yet. */
  deadline: number | undefined;
  /** loopStalledMs() at its start: its exchange's deadline grows by the stalls since, up to
   * one budget more (transport/deadline.ts), and so does its bound here. */
  stalledAtStart: number;
}

interface Waiter {
  readonly priority: boolean;
  readonly runMs: number;
  start(h: Holder): void;
  fail(err: KeaError): void;
}

/** The single gate in front of one daemon: everything that talks to it (poller, proxy) goes
 * through run(), so at most maxInFlight connections are ever open to that daemon.
 *
 * Fairness to monitoring: a priority command waits behind no more than the commands already
 * holding the slots (and the priority ones ahead of it, a couple per daemon), and for no longer
 * than those may still run; it is never bounded by its own, shorter timeout, which would fail a
 * poll behind one long proxied command. With several slots, the others share all but one. */
export class CommandQueue {
  private readonly holders = new Set<Holder>();
  /** Non-priority holders. */
  private others = 0;
  /** Priority waiters first (in arrival order), then the others (FIFO). */
  private readonly waiting: Waiter[] = [];
  private watchdog: NodeJS.Timeout | undefined;
  private verdict: NodeJS.Immediate | undefined;

  constructor(
    readonly limits: QueueLimits,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Non-priority (proxied) commands in flight. */
  get othersInFlight(): number {
    return this.others;
  }

  /** Slots non-priority commands may hold at once: all but one when there are several, so a
   * priority command never queues behind them alone; the only one when there is one. */
  get othersShare(): number {
    return Math.max(1, this.limits.maxInFlight - 1);
  }

  /** Runs fn in a slot, and passes it its time budget: runMs, plus, for a priority command, the
   * longest the non-priority commands in flight beside it may still run (a daemon that runs one
   * command at a time, as Kea does, answers it only after them). */
  async run<T>(fn: (budgetMs: number) => Promise<T>, opts: RunOptions): Promise<T> {
    const priority = opts.priority === true;
    // Nobody eligible waits when a slot is free (release hands it on at once), so taking a free
    // slot jumps no queue.
    let holder: Holder;
    if (this.canStart(priority)) holder = this.start(this.take(priority, opts.runMs));
    else {
      holder = this.start(await this.acquire(priority, opts));
      this.armWatchdog();
    }
    try {
      return await fn(holder.budgetMs);
    } finally {
      this.release(holder);
    }
  }

  private canStart(priority: boolean): boolean {
    return this.holders.size < this.limits.maxInFlight && (priority || this.others < this.othersShare);
  }

  private take(priority: boolean, runMs: number): Holder {
    let budgetMs = runMs;
    if (priority) {
      const now = this.now();
      // One handed its slot but not started yet goes to Kea after this one: nothing to add.
      for (const h of this.holders) if (!h.priority && h.deadline !== undefined) budgetMs = Math.max(budgetMs, runMs + h.deadline - now);
    }
    const h: Holder = { priority, budgetMs, deadline: undefined, stalledAtStart: 0 };
    this.holders.add(h);
    if (!priority) this.others++;
    return h;
  }

  /** Its bound runs from now: a waiter starts a moment after it was handed the slot. */
  private start(h: Holder): Holder {
    h.deadline = this.now() + h.budgetMs;
    h.stalledAtStart = loopStalledMs();
    return h;
  }

  private acquire(priority: boolean, opts: RunOptions): Promise<Holder> {
    if (!priority && this.waiting.length - this.priorityWaiting() >= this.limits.maxQueued) {
      return Promise.reject(new KeaError('queue_full', `${this.waiting.length} commands already waiting`));
    }
    return new Promise<Holder>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        priority,
        runMs: opts.runMs,
        start: (h) => {
          clearTimeout(timer);
          // The slot is this waiter's now, but its command starts after what the one before it
          // still does in this tick (parsing a big answer): that must not eat into its timeout.
          setImmediate(() => resolve(h));
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const waitMs = opts.waitMs ?? Infinity;
      if (!priority && Number.isFinite(waitMs)) {
        timer = setTimeout(() => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new KeaError('queue_timeout', `no free slot within ${waitMs} ms`));
        }, waitMs);
      }
      if (priority) {
        const firstOther = this.waiting.findIndex((w) => !w.priority);
        this.waiting.splice(firstOther < 0 ? this.waiting.length : firstOther, 0, waiter);
        this.armWatchdog();
      } else this.waiting.push(waiter);
    });
  }

  private priorityWaiting(): number {
    let n = 0;
    for (const w of this.waiting) if (w.priority) n++;
    return n;
  }

  private release(h: Holder): void {
    this.holders.delete(h);
    if (!h.priority) this.others--;
    // The slot passes straight to the next waiter that may have it, so it never dips and refills.
    for (let w = this.waiting[0]; w && this.canStart(w.priority); w = this.waiting[0]) {
      this.waiting.shift();
      w.start(this.take(w.priority, w.runMs));
    }
    this.armWatchdog();
  }

  /** Priority waiters wait until every holder's own bound has passed (plus grace). If no slot
   * has freed by then, a holder overran its bound (a bug below the queue): they fail with busy
   * rather than wait forever; the holders keep their slots (no extra connection is opened). */
  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (!this.waiting[0]?.priority) return;
    const latest = Math.max(this.now(), this.holdersBound());
    if (!Number.isFinite(latest)) return;
    const ms = Math.min(MAX_DELAY_MS, latest - this.now() + OVERRUN_GRACE_MS);
    this.watchdog = setTimeout(() => this.overrun(ms), ms);
  }

  /** When the last holder must have ended: its deadline, plus what a stalled event loop added to
   * its exchange's own since it started. Infinity while one handed its slot has not started
   * (run() re-arms when it does): one without a bound cannot overrun it. */
  private holdersBound(): number {
    let latest = -Infinity;
    const stalled = loopStalledMs();
    for (const h of this.holders) {
      if (h.deadline === undefined) return Infinity;
      latest = Math.max(latest, h.deadline + Math.min(h.budgetMs, stalled - h.stalledAtStart));
    }
    return latest;
  }

  private overrun(ms: number): void {
    this.watchdog = undefined;
    // The loop stalled meanwhile (a long render or parse): the holders' deadlines moved with it.
    if (this.holdersBound() + OVERRUN_GRACE_MS > this.now()) return this.armWatchdog();
    // After a stall every timer is due at once, before the poll phase reads the sockets: the
    // verdict waits for that read, as a holder's own deadline does (transport/deadline.ts), so an
    // answer that came during the stall frees its slot first.
    this.verdict ??= setImmediate(() => {
      this.verdict = undefined;
      if (this.watchdog === undefined && this.waiting[0]?.priority) this.fail(ms);
    });
  }

  private fail(ms: number): void {
    if (this.holdersBound() + OVERRUN_GRACE_MS > this.now()) return this.armWatchdog();
    const stuck = this.waiting.filter((w) => w.priority);
    this.waiting.splice(0, stuck.length);
    const err = new KeaError('busy', `no slot freed within ${ms} ms: a command in flight overran its own timeout`);
    for (const w of stuck) w.fail(err);
  }
}

/** Where a target takes the queue of each of its daemons, by daemon identity. */
export interface Queues {
  get(key: string): CommandQueue;
}

/** Queues keyed by daemon identity, so two targets naming the same socket share one gate. */
export class QueueRegistry implements Queues {
  private readonly queues = new Map<string, CommandQueue>();

  constructor(readonly limits: QueueLimits) {}

  /** The queue of a daemon a target of the file reaches, if one does (GET /probe of an address). */
  peek(key: string): CommandQueue | undefined {
    return this.queues.get(key);
  }

  get(key: string): CommandQueue {
    let q = this.queues.get(key);
    if (!q) {
      q = new CommandQueue(this.limits);
      this.queues.set(key, q);
    }
    return q;
  }
}
