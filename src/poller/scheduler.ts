import type { DaemonSnapshot, StatisticsSnapshot } from '../snapshot.js';

/** What the scheduler polls: a target (src/targets/ builds them; the poller layer sits below). */
export interface Target {
  poll(watch?: { lateAfterMs: number; onBusy: (key: string, s: DaemonSnapshot) => void }): Promise<Map<string, DaemonSnapshot>>;
  pollStatistics(): Promise<Map<string, StatisticsSnapshot>>;
}

export interface SchedulerOptions {
  intervalMs: number;
  /** statistic-get-all interval; undefined: statistics off. */
  statisticsIntervalMs?: number;
  /** Fraction of the interval by which each wait varies, so daemons are not polled in lockstep. */
  jitter?: number;
  onSnapshot: (key: string, s: DaemonSnapshot) => void;
  onStatistics?: (key: string, s: StatisticsSnapshot) => void;
  /** false: poll only when asked (GET /probe, pollNow), never on timers. */
  background?: boolean;
  /** A poll or one of the callbacks above threw (a bug): the Scheduler goes on polling, the
   * caller logs and counts. An exception here is swallowed. */
  onError?: (err: unknown, kind: Kind) => void;
}

export type Kind = 'status' | 'statistics';

/** Runs each target's status poll, and its statistics poll, on timers of their own. A target is
 * never polled twice at once for the same kind: a slow poll delays the next instead of piling up.
 * A reload swaps the target list: kept targets keep their timers (no extra poll), new ones start,
 * removed ones stop and their late results are dropped. */
export class Scheduler {
  private readonly timers = new Map<Target, Set<NodeJS.Timeout>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly ids = new Map<Target, number>();
  private nextId = 0;
  private targets: readonly Target[] = [];
  private stopped = false;
  private started = false;
  private firstRound: Promise<void> | undefined;

  constructor(
    targets: readonly Target[],
    private o: SchedulerOptions,
  ) {
    this.setTargets(targets);
  }

  /** Polls every target once now, then keeps polling (unless background is false); statistics
   * start after that first status round (they need the daemon's type and config hash). Resolves
   * after the first status round. */
  start(): Promise<void> {
    this.started = true;
    this.firstRound ??= Promise.all(this.targets.map((t) => this.begin(t))).then(() => undefined);
    return this.firstRound;
  }

  /** A reload: the new target list and intervals. Returns once the new targets' first status poll is done. */
  async update(targets: readonly Target[], o: SchedulerOptions): Promise<void> {
    this.o = o;
    const added = this.setTargets(targets);
    if (this.started && !this.stopped) await Promise.all(added.map((t) => this.begin(t)));
  }

  /** Polls every target's status once now (tests, /probe); a poll already running counts. */
  async pollNow(): Promise<void> {
    await Promise.all(this.targets.map((t) => this.runOnce(t, 'status')));
  }

  /** Polls every target's statistics once now. */
  async pollStatisticsNow(): Promise<void> {
    await Promise.all(this.targets.map((t) => this.runOnce(t, 'statistics')));
  }

  /** One target now: status, then statistics when they are on (GET /probe). */
  async pollTarget(t: Target): Promise<void> {
    await this.runOnce(t, 'status');
    if (this.o.statisticsIntervalMs !== undefined) await this.runOnce(t, 'statistics');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const set of this.timers.values()) for (const t of set) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.running.values());
  }

  private setTargets(targets: readonly Target[]): Target[] {
    const added = targets.filter((t) => !this.ids.has(t));
    for (const old of this.targets) {
      if (targets.includes(old)) continue;
      for (const timer of this.timers.get(old) ?? []) clearTimeout(timer);
      this.timers.delete(old);
      this.ids.delete(old);
    }
    for (const t of added) this.ids.set(t, this.nextId++);
    this.targets = targets;
    return added;
  }

  private async begin(t: Target): Promise<void> {
    await this.cycle(t, 'status');
    if (this.o.statisticsIntervalMs !== undefined && this.ids.has(t)) void this.cycle(t, 'statistics');
  }

  private async cycle(t: Target, kind: Kind): Promise<void> {
    const started = Date.now();
    await this.runOnce(t, kind);
    if (this.stopped || !this.ids.has(t) || this.o.background === false) return;
    const interval = kind === 'status' ? this.o.intervalMs : this.o.statisticsIntervalMs;
    if (interval === undefined) return; // statistics switched off by a reload
    const j = this.o.jitter ?? 0.05;
    const wait = interval * (1 + (Math.random() * 2 - 1) * j) - (Date.now() - started);
    let set = this.timers.get(t);
    if (!set) this.timers.set(t, (set = new Set()));
    const timer = setTimeout(() => {
      set.delete(timer);
      void this.cycle(t, kind);
    }, Math.max(0, wait));
    timer.unref();
    set.add(timer);
  }

  private runOnce(t: Target, kind: Kind): Promise<void> {
    const id = `${this.ids.get(t)}:${kind}`;
    const already = this.running.get(id);
    if (already) return already;
    // Never rejects: a throw here would be unhandled (timers call cycle() with void) and would end
    // the target's timer chain, and with it every later poll of the target.
    const p = (kind === 'status' ? this.status(t) : this.statistics(t))
      .catch((err: unknown) => this.failed(err, kind))
      .finally(() => this.running.delete(id));
    this.running.set(id, p);
    return p;
  }

  // Results of a target removed meanwhile are dropped: its series are gone and stay gone.
  // One daemon's callback failing does not keep the others' results from the renderers.
  private async status(t: Target): Promise<void> {
    // A poll held up past the interval by proxied commands shows the daemon busy while it waits.
    const deliver = (key: string, s: DaemonSnapshot): void => {
      if (!this.ids.has(t)) return;
      try {
        this.o.onSnapshot(key, s);
      } catch (err) {
        this.failed(err, 'status');
      }
    };
    const snapshots = await t.poll({ lateAfterMs: this.o.intervalMs, onBusy: deliver });
    for (const [key, s] of snapshots) deliver(key, s);
  }

  private async statistics(t: Target): Promise<void> {
    const snapshots = await t.pollStatistics();
    if (!this.ids.has(t)) return;
    for (const [key, s] of snapshots) {
      try {
        this.o.onStatistics?.(key, s);
      } catch (err) {
        this.failed(err, 'statistics');
      }
    }
  }

  private failed(err: unknown, kind: Kind): void {
    try {
      this.o.onError?.(err, kind);
    } catch {
      // The error reporter itself failed: nothing is left to tell.
    }
  }
}
