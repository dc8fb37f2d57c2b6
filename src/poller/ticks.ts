/** The longest a poll is held back so that it starts together with others. */
export const MAX_TICK_MS = 100;

/** The grid a wait of this interval is rounded up to: 100 ms for intervals of 5 s and more, a
 * fiftieth of shorter ones (tests poll every few ms), never below 1 ms. */
export function tickFor(intervalMs: number): number {
  return Math.max(1, Math.min(MAX_TICK_MS, Math.floor(intervalMs / 50)));
}

interface Slot {
  readonly timer: NodeJS.Timeout;
  readonly jobs: Set<() => void>;
}

/**
 * One timer per grid point instead of one per target: every poll due at the same tick starts in
 * the same turn of the event loop, so their connects, reads and parses share the loop's wake-ups
 * (1,000 daemons every 5 s are some 20 polls per 100 ms tick). Polled one per wake-up, a status
 * poll cost the exporter about twice the CPU (bench/fleet.ts).
 */
export class Ticks {
  private readonly slots = new Map<number, Slot>();

  /** Runs job at the first grid point `tickMs` apart at or after delayMs from now. Returns its
   * cancel. A job must not throw (the scheduler's never do: they start an async poll). */
  after(delayMs: number, tickMs: number, job: () => void): () => void {
    const now = Date.now();
    const at = Math.ceil((now + Math.max(0, delayMs)) / tickMs) * tickMs;
    let slot = this.slots.get(at);
    if (!slot) {
      const jobs = new Set<() => void>();
      const timer = setTimeout(() => {
        this.slots.delete(at);
        for (const j of jobs) j();
      }, at - now);
      timer.unref(); // as the per-target timers were: polling alone keeps no process alive
      slot = { timer, jobs };
      this.slots.set(at, slot);
    }
    const s = slot;
    s.jobs.add(job);
    return () => {
      s.jobs.delete(job);
      if (s.jobs.size === 0 && this.slots.get(at) === s) {
        clearTimeout(s.timer);
        this.slots.delete(at);
      }
    };
  }

  /** Timers waiting (tests). */
  get pending(): number {
    return this.slots.size;
  }
}
