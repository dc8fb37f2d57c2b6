import type { Target } from '../targets/target.js';
import type { DaemonSnapshot, StatisticsSnapshot } from '../snapshot.js';

export interface SchedulerOptions {
  intervalMs: number;
  /** statistic-get-all interval; undefined: statistics off. */
  statisticsIntervalMs?: number;
  /** Fraction of the interval by which each wait varies, so daemons are not polled in lockstep. */
  jitter?: number;
  onSnapshot: (key: string, s: DaemonSnapshot) => void;
  onStatistics?: (key: string, s: StatisticsSnapshot) => void;
}

type Kind = 'status' | 'statistics';

/** Runs each target's status poll, and its statistics poll, on timers of their own. A target is
 * never polled twice at once for the same kind: a slow poll delays the next instead of piling up. */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly ids = new Map<Target, number>();
  private stopped = false;
  private firstRound: Promise<void> | undefined;

  constructor(
    private readonly targets: readonly Target[],
    private readonly o: SchedulerOptions,
  ) {
    targets.forEach((t, i) => this.ids.set(t, i));
  }

  /** Polls every target once now, then keeps polling; statistics start after that first status
   * round (they need the daemon's type and config hash). Resolves after the first status round. */
  start(): Promise<void> {
    this.firstRound ??= Promise.all(this.targets.map((t) => this.cycle(t, 'status'))).then(() => {
      if (this.o.statisticsIntervalMs !== undefined) for (const t of this.targets) void this.cycle(t, 'statistics');
    });
    return this.firstRound;
  }

  /** Polls every target's status once now (tests, /probe); a poll already running counts. */
  async pollNow(): Promise<void> {
    await Promise.all(this.targets.map((t) => this.runOnce(t, 'status')));
  }

  /** Polls every target's statistics once now. */
  async pollStatisticsNow(): Promise<void> {
    await Promise.all(this.targets.map((t) => this.runOnce(t, 'statistics')));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.running.values());
  }

  private async cycle(t: Target, kind: Kind): Promise<void> {
    const started = Date.now();
    await this.runOnce(t, kind);
    if (this.stopped) return;
    const interval = kind === 'status' ? this.o.intervalMs : this.o.statisticsIntervalMs!;
    const j = this.o.jitter ?? 0.05;
    const wait = interval * (1 + (Math.random() * 2 - 1) * j) - (Date.now() - started);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.cycle(t, kind);
    }, Math.max(0, wait));
    timer.unref();
    this.timers.add(timer);
  }

  private runOnce(t: Target, kind: Kind): Promise<void> {
    const id = `${this.ids.get(t)}:${kind}`;
    const already = this.running.get(id);
    if (already) return already;
    const p = (kind === 'status' ? this.status(t) : this.statistics(t)).finally(() => this.running.delete(id));
    this.running.set(id, p);
    return p;
  }

  private async status(t: Target): Promise<void> {
    for (const [key, s] of await t.poll()) this.o.onSnapshot(key, s);
  }

  private async statistics(t: Target): Promise<void> {
    for (const [key, s] of await t.pollStatistics()) this.o.onStatistics?.(key, s);
  }
}
