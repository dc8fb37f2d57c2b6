import { KeaError } from '../errors.js';

export interface QueueLimits {
  /** Commands running at once (Kea 2.2 aborts near 1,000 open control connections). */
  maxInFlight: number;
  /** Commands allowed to wait; one more fails at once with queue_full. */
  maxQueued: number;
}

interface Waiter {
  start: () => void;
  fail: (err: KeaError) => void;
  priority: boolean;
}

/** The single gate in front of one daemon: everything that talks to it (poller, proxy) goes
 * through run(), so at most maxInFlight connections are ever open to that daemon. */
export class CommandQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limits: QueueLimits) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs fn when a slot is free. waitMs bounds the time spent waiting for the slot. A
   * priority command (the poller's: at most a couple per daemon) is not counted against
   * maxQueued and goes before the others, so proxy load never starves monitoring. */
  async run<T>(fn: () => Promise<T>, waitMs = Infinity, priority = false): Promise<T> {
    if (this.running >= this.limits.maxInFlight) await this.acquire(waitMs, priority);
    else this.running++;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(waitMs: number, priority: boolean): Promise<void> {
    if (!priority && this.waiting.length - this.priorityWaiting() >= this.limits.maxQueued) {
      return Promise.reject(new KeaError('queue_full', `${this.waiting.length} commands already waiting`));
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: reject,
        priority,
      };
      if (Number.isFinite(waitMs)) {
        timer = setTimeout(() => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new KeaError('queue_timeout', `no free slot within ${waitMs} ms`));
        }, waitMs);
      }
      if (priority) {
        const firstOther = this.waiting.findIndex((w) => !w.priority);
        this.waiting.splice(firstOther < 0 ? this.waiting.length : firstOther, 0, waiter);
      } else this.waiting.push(waiter);
    });
  }

  private priorityWaiting(): number {
    let n = 0;
    for (const w of this.waiting) if (w.priority) n++;
    return n;
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `running` never dips and refills.
    if (next) next.start();
    else this.running--;
  }
}

/** Queues keyed by daemon identity, so two targets naming the same socket share one gate. */
export class QueueRegistry {
  private readonly queues = new Map<string, CommandQueue>();

  constructor(private readonly limits: QueueLimits) {}

  get(key: string): CommandQueue {
    let q = this.queues.get(key);
    if (!q) {
      q = new CommandQueue(this.limits);
      this.queues.set(key, q);
    }
    return q;
  }
}
