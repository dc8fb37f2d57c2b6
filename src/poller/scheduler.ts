import type { DaemonSnapshot, PerfmonSnapshot, StatisticsSnapshot } from '../snapshot.js';
import { tickFor, Ticks } from './ticks.js';

export type Kind = 'status' | 'statistics' | 'perfmon';
const KINDS: readonly Kind[] = ['status', 'statistics', 'perfmon'];

/** What the scheduler tells a status poll so it can report a daemon busy while it waits. */
export interface ScheduleWatch {
  lateAfterMs: number;
  onBusy: (key: string, s: DaemonSnapshot) => void;
}

/** What the scheduler polls (a Target): snapshots by series key. */
export interface Pollable {
  poll(watch?: ScheduleWatch): Promise<ReadonlyMap<string, DaemonSnapshot>>;
  pollStatistics(): Promise<ReadonlyMap<string, StatisticsSnapshot>>;
  /** PerfMon durations, polled while statistics are on, every perfmonIntervalMs() (the
   * statistics interval while that is undefined). */
  pollPerfmon?(): Promise<ReadonlyMap<string, PerfmonSnapshot>>;
  perfmonIntervalMs?(): number | undefined;
}

/** The part of the configuration the scheduler runs by: a reload hands it a new one, live. */
export interface SchedulerPlan {
  intervalMs: number;
  /** statistic-get-all interval; undefined: statistics off. */
  statisticsIntervalMs?: number;
  /** false: poll only when asked (GET /probe, pollTarget), never on timers. */
  background: boolean;
  /** Fraction of the interval by which each wait varies, so daemons are not polled in lockstep. */
  jitter?: number;
}

/** Where results go; fixed for the scheduler's life. */
export interface SchedulerHooks {
  onSnapshot: (key: string, s: DaemonSnapshot) => void;
  onStatistics?: (key: string, s: StatisticsSnapshot) => void;
  onPerfmon?: (key: string, s: PerfmonSnapshot) => void;
  /** A poll or one of the callbacks above threw (a bug): the Scheduler goes on polling, the
   * caller logs and counts. An exception here is swallowed. */
  onError?: (err: unknown, kind: Kind) => void;
}

export const DEFAULT_JITTER = 0.05;

/** The wait before the next poll: the interval varied by ±jitter, less what the last poll took. */
export function jitteredWait(intervalMs: number, jitter: number, elapsedMs: number, random: () => number = Math.random): number {
  return Math.max(0, intervalMs * (1 + (random() * 2 - 1) * jitter) - elapsedMs);
}

/** The first wait after a lane's first poll: anywhere in (jitter, 1 + jitter] x the interval, so
 * targets started together do not stay together (the 1,000-daemon bench polled up to 7x its mean
 * rate in one 100 ms before this). */
export function spreadWait(intervalMs: number, jitter: number, random: () => number = Math.random): number {
  return intervalMs * (jitter + 1 - random());
}

/** First statistics polls start at most this many a second (1,000 daemons within 10 s): all at
 * once, a fleet's first round set the heap's high-water mark (bench part 2b: 347 → 325 MB RSS). */
export const FIRST_STATISTICS_PER_SECOND = 100;

/** One target's polls of one kind: at most one runs, at most one timer waits. */
interface Lane {
  /** Its first timer took its random place in the interval (spreadWait); later ones keep it. */
  spread?: boolean;
  running?: Promise<void>;
  /** Cancels the timer that waits (Ticks); undefined: none waits. */
  timer?: () => void;
  /** Interval the timer was armed for: a reload that changes it re-arms. */
  armedFor?: number;
  /** When the last poll started (ms); undefined: never polled. */
  lastStart?: number;
}

/** Runs each target's status poll, and its statistics poll, on timers of their own. A target is
 * never polled twice at once for the same kind: a slow poll delays the next instead of piling up.
 * update() takes a reload's targets and plan: kept targets keep their timers (no extra poll)
 * unless the plan changed what they wait for, new ones start, removed ones stop and their late
 * results are dropped. */
export class Scheduler {
  private lanes = new Map<Pollable, Record<Kind, Lane>>();
  private readonly ticks = new Ticks();
  private stopped = false;
  private started = false;
  private firstRound: Promise<void> | undefined;
  /** When the next first statistics poll may start (FIRST_STATISTICS_PER_SECOND). */
  private nextFirstStatistics = 0;

  constructor(
    targets: readonly Pollable[],
    private plan: SchedulerPlan,
    private readonly hooks: SchedulerHooks,
  ) {
    this.setTargets(targets);
  }

  /** Polls every target once now, then keeps polling (unless background is false); statistics
   * start after that first status round (they need the daemon's type and config hash). Resolves
   * after the first status round. */
  start(): Promise<void> {
    this.started = true;
    this.firstRound ??= Promise.all([...this.lanes.keys()].map((t) => this.begin(t))).then(() => undefined);
    return this.firstRound;
  }

  /** A reload: the new target list and plan. Kept targets' timers follow the plan (started,
   * stopped or re-armed when background or an interval changed). Returns once the new targets'
   * first status poll is done. The targets are taken before the first await: a removed target's
   * results are dropped from the moment update() is called. */
  async update(targets: readonly Pollable[], plan: SchedulerPlan): Promise<void> {
    this.plan = plan;
    const added = this.setTargets(targets);
    if (!this.started || this.stopped) return;
    for (const [t, lanes] of this.lanes) {
      if (added.includes(t)) continue;
      for (const kind of KINDS) this.follow(t, kind, lanes[kind]);
    }
    await Promise.all(added.map((t) => this.begin(t)));
  }

  /** One target now, joining a poll of that kind already running: `kind`, or status then
   * statistics when they are on (GET /probe). */
  async pollTarget(t: Pollable, kind?: Kind): Promise<void> {
    if (kind) return this.runOnce(t, kind);
    await this.runOnce(t, 'status');
    if (this.plan.statisticsIntervalMs !== undefined) await Promise.all([this.runOnce(t, 'statistics'), this.runOnce(t, 'perfmon')]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const running: Promise<void>[] = [];
    for (const lanes of this.lanes.values()) {
      for (const lane of Object.values(lanes)) {
        lane.timer?.();
        lane.timer = undefined;
        if (lane.running) running.push(lane.running);
      }
    }
    await Promise.all(running);
  }

  private setTargets(targets: readonly Pollable[]): Pollable[] {
    const next = new Map<Pollable, Record<Kind, Lane>>();
    const added: Pollable[] = [];
    for (const t of targets) {
      const lanes = this.lanes.get(t);
      if (!lanes) added.push(t);
      next.set(t, lanes ?? { status: {}, statistics: {}, perfmon: {} });
    }
    for (const [t, lanes] of this.lanes) if (!next.has(t)) for (const lane of Object.values(lanes)) lane.timer?.();
    this.lanes = next;
    return added;
  }

  private interval(t: Pollable, kind: Kind): number | undefined {
    if (!this.plan.background) return undefined;
    if (kind === 'status') return this.plan.intervalMs;
    const stats = this.plan.statisticsIntervalMs;
    if (kind === 'statistics' || stats === undefined) return stats;
    // Matched to Kea's interval width, once a daemon of the target told it.
    return t.pollPerfmon ? (t.perfmonIntervalMs?.() ?? stats) : undefined;
  }

  /** A kept target after a new plan: its timer is left alone when it waits for the same interval,
   * else stopped and, when the plan polls this kind, armed anew from the last poll's start. */
  private follow(t: Pollable, kind: Kind, lane: Lane): void {
    const interval = this.interval(t, kind);
    if (lane.timer && lane.armedFor === interval) return;
    lane.timer?.();
    lane.timer = undefined;
    lane.armedFor = undefined;
    if (interval === undefined) return;
    if (lane.running) {
      // Also a poll GET /probe started, which arms nothing itself (arm() is a no-op when a
      // timer chain armed first).
      void lane.running.then(() => this.lanes.get(t)?.[kind] === lane && !this.stopped && this.arm(t, kind, lane));
    } else if (lane.lastStart === undefined) {
      // Never polled (statistics just switched on): now, or in its turn.
      if (kind === 'status') void this.cycle(t, kind);
      else this.first(t, kind, lane, this.turn());
    } else this.arm(t, kind, lane);
  }

  private async begin(t: Pollable): Promise<void> {
    await this.cycle(t, 'status');
    const lanes = this.lanes.get(t);
    if (this.plan.statisticsIntervalMs === undefined || !lanes || this.stopped) return;
    // One turn for both: PerfMon's answers are small, and most daemons have none.
    const wait = this.turn();
    this.first(t, 'statistics', lanes.statistics, wait);
    if (t.pollPerfmon) this.first(t, 'perfmon', lanes.perfmon, wait);
  }

  /** How long the next first statistics poll waits for its turn (FIRST_STATISTICS_PER_SECOND). */
  private turn(): number {
    const now = Date.now();
    const at = Math.max(now, this.nextFirstStatistics);
    this.nextFirstStatistics = at + 1000 / FIRST_STATISTICS_PER_SECOND;
    return at - now;
  }

  /** A statistics or perfmon lane's first poll, now or after `wait`: a lane timer like any other
   * (stop(), a removal or a reload that changes the interval cancels it). */
  private first(t: Pollable, kind: Exclude<Kind, 'status'>, lane: Lane, wait: number): void {
    if (wait === 0) {
      void this.cycle(t, kind);
      return;
    }
    lane.timer = this.ticks.after(wait, tickFor(this.plan.statisticsIntervalMs ?? this.plan.intervalMs), () => {
      lane.timer = undefined;
      lane.armedFor = undefined;
      // Polled meanwhile (GET /probe): that was its first; the next comes on its timer.
      if (lane.lastStart === undefined) void this.cycle(t, kind);
      else this.arm(t, kind, lane);
    });
    lane.armedFor = this.interval(t, kind);
  }

  private async cycle(t: Pollable, kind: Kind): Promise<void> {
    await this.runOnce(t, kind);
    const lane = this.lanes.get(t)?.[kind];
    if (lane && !this.stopped) this.arm(t, kind, lane);
  }

  private arm(t: Pollable, kind: Kind, lane: Lane): void {
    const interval = this.interval(t, kind);
    if (interval === undefined || lane.timer) return;
    const elapsed = Date.now() - (lane.lastStart ?? Date.now());
    const jitter = this.plan.jitter ?? DEFAULT_JITTER;
    const wait = lane.spread ? jitteredWait(interval, jitter, elapsed) : spreadWait(interval, jitter);
    lane.spread = true;
    lane.timer = this.ticks.after(wait, tickFor(interval), () => {
      lane.timer = undefined;
      lane.armedFor = undefined;
      void this.cycle(t, kind);
    });
    lane.armedFor = interval;
  }

  private runOnce(t: Pollable, kind: Kind): Promise<void> {
    // A target not (or no longer) scheduled gets a lane of its own for this poll; its results are dropped.
    const lane = this.lanes.get(t)?.[kind] ?? {};
    if (lane.running) return lane.running;
    lane.lastStart = Date.now();
    // Never rejects: a throw here would be unhandled (timers call cycle() with void) and would end
    // the target's timer chain, and with it every later poll of the target.
    const p = (kind === 'status' ? this.status(t) : kind === 'statistics' ? this.statistics(t) : this.perfmon(t))
      .catch((err: unknown) => this.failed(err, kind))
      .finally(() => {
        lane.running = undefined;
      });
    lane.running = p;
    return p;
  }

  // Results of a target removed meanwhile are dropped: its series are gone and stay gone.
  // One daemon's callback failing does not keep the others' results from the renderers.
  private async status(t: Pollable): Promise<void> {
    // A poll held up past the interval by proxied commands shows the daemon busy while it waits.
    const deliver = (key: string, s: DaemonSnapshot): void => {
      if (!this.lanes.has(t)) return;
      try {
        this.hooks.onSnapshot(key, s);
      } catch (err) {
        this.failed(err, 'status');
      }
    };
    const snapshots = await t.poll({ lateAfterMs: this.plan.intervalMs, onBusy: deliver });
    for (const [key, s] of snapshots) deliver(key, s);
  }

  private async statistics(t: Pollable): Promise<void> {
    const snapshots = await t.pollStatistics();
    if (!this.lanes.has(t)) return;
    for (const [key, s] of snapshots) {
      try {
        this.hooks.onStatistics?.(key, s);
      } catch (err) {
        this.failed(err, 'statistics');
      }
    }
  }

  private async perfmon(t: Pollable): Promise<void> {
    const snapshots = (await t.pollPerfmon?.()) ?? new Map<string, PerfmonSnapshot>();
    if (!this.lanes.has(t)) return;
    for (const [key, s] of snapshots) {
      try {
        this.hooks.onPerfmon?.(key, s);
      } catch (err) {
        this.failed(err, 'perfmon');
      }
    }
  }

  private failed(err: unknown, kind: Kind): void {
    try {
      this.hooks.onError?.(err, kind);
    } catch {
      // The error reporter itself failed: nothing is left to tell.
    }
  }
}
