/** What Gate.run answers instead of running when every slot and every wait place is taken. */
export const BUSY = 'busy' as const;
export type Busy = typeof BUSY;

/** At most `maxRunning` tasks at once, at most `maxWaiting` more queued in order; beyond, a
 * task is refused at once (BUSY) rather than queued without bound. */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly maxRunning: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T | Busy> {
    if (this.running < this.maxRunning) this.running++;
    else if (this.waiting.length < this.maxWaiting) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else return BUSY;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, so `running` never overshoots.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

/** Most client addresses tracked in one window; past it, new addresses are refused until the
 * window ends (an attacker with many addresses must not grow memory without bound). */
const MAX_ADDRESSES = 65_536;

/** Login attempts per client address in a fixed window, counted when an attempt STARTS, so
 * that concurrent attempts cannot all pass before the first one fails: past `max` attempts
 * failed or in progress, an address is refused at once. An attempt that succeeds (or was never
 * checked, e.g. refused as busy) is handed back with `release`. */
export class LoginThrottle {
  private readonly counts = new Map<string, number>();
  private windowStart: number;
  private window = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** A ticket for `release`, or undefined when this address may not try now. */
  begin(address: string): number | undefined {
    this.roll();
    const count = this.counts.get(address) ?? 0;
    if (count >= this.max || (count === 0 && this.counts.size >= MAX_ADDRESSES)) return undefined;
    this.counts.set(address, count + 1);
    return this.window;
  }

  /** The attempt of this ticket was no failed guess: it no longer counts. */
  release(address: string, ticket: number): void {
    this.roll();
    // A ticket of an earlier window was cleared with it.
    if (ticket !== this.window) return;
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
  }

  /** Whole seconds until the window ends (for Retry-After), at least 1. */
  retryAfterS(): number {
    this.roll();
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - this.now()) / 1000));
  }

  private roll(): void {
    if (this.now() - this.windowStart < this.windowMs) return;
    this.counts.clear();
    this.windowStart = this.now();
    this.window++;
  }
}
