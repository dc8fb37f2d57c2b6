import type { Target } from '../targets/target.js';
import type { DaemonSnapshot } from '../snapshot.js';

export interface SchedulerOptions {
  intervalMs: number;
  /** Fraction of the interval by which each wait varies, so daemons are not polled in lockstep. */
  jitter?: number;
  onSnapshot: (key: string, s: DaemonSnapshot) => void;
}

/** Runs each target's poll on its own timer. A target is never polled twice at once: a slow
 * poll delays the next instead of piling up. */
export class Scheduler {
  private readonly timers = new Map<Target, NodeJS.Timeout>();
  private readonly running = new Map<Target, Promise<void>>();
  private stopped = false;
  private firstRound: Promise<void> | undefined;

  constructor(
    private readonly targets: readonly Target[],
    private readonly o: SchedulerOptions,
  ) {}

  /** Polls every target once now, then keeps polling. Resolves after that first round. */
  start(): Promise<void> {
    this.firstRound ??= Promise.all(this.targets.map((t) => this.cycle(t))).then(() => undefined);
    return this.firstRound;
  }

  /** Polls every target once now (tests, /probe); a poll already running counts. */
  async pollNow(): Promise<void> {
    await Promise.all(this.targets.map((t) => this.runOnce(t)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.running.values());
  }

  private async cycle(t: Target): Promise<void> {
    const started = Date.now();
    await this.runOnce(t);
    if (this.stopped) return;
    const j = this.o.jitter ?? 0.05;
    const wait = this.o.intervalMs * (1 + (Math.random() * 2 - 1) * j) - (Date.now() - started);
    const timer = setTimeout(() => void this.cycle(t), Math.max(0, wait));
    timer.unref();
    this.timers.set(t, timer);
  }

  private runOnce(t: Target): Promise<void> {
    const already = this.running.get(t);
    if (already) return already;
    const p = t
      .poll()
      .then((snaps) => {
        for (const [key, s] of snaps) this.o.onSnapshot(key, s);
      })
      .finally(() => this.running.delete(t));
    this.running.set(t, p);
    return p;
  }
}
