/** What a CommandQueue holds, seen from outside: every command from now on that goes through
 * its run() (the poller's, the proxy's, a test's own) is counted while it waits for its slot and
 * while its function runs. The queue itself keeps no counters for tests. */
import type { CommandQueue } from '../../src/queue/command-queue.js';

export interface QueueProbe {
  /** Commands whose function runs now. */
  readonly running: number;
  /** Commands waiting for a slot (asked for, not started, not refused yet). */
  readonly waiting: number;
  /** The most that waited at once since the probe was put on. */
  readonly maxWaiting: number;
}

export function probeQueue(queue: CommandQueue): QueueProbe {
  const counts = { running: 0, waiting: 0, maxWaiting: 0 };
  const run = queue.run.bind(queue);
  queue.run = <T>(fn: (budgetMs: number) => Promise<T>, opts: Parameters<CommandQueue['run']>[1]): Promise<T> => {
    let started = false;
    counts.waiting++;
    counts.maxWaiting = Math.max(counts.maxWaiting, counts.waiting);
    const p = run(async (budgetMs) => {
      started = true;
      counts.waiting--;
      counts.running++;
      try {
        return await fn(budgetMs);
      } finally {
        counts.running--;
      }
    }, opts);
    // Refused before it started (queue_full, queue_timeout, busy): it waits no more. The caller
    // still gets the rejection from p itself.
    p.catch(() => {
      if (!started) counts.waiting--;
    });
    return p;
  };
  return counts;
}
