import type { CommandQueue } from '../queue/command-queue.js';
import type { DaemonSnapshot } from '../snapshot.js';

/** Once a poll runs past its interval, how often it looks again whether proxied commands hold
 * the daemon (it may have been waiting on its own slower command at first). */
export const LATE_CHECK_MS = 100;

/** What the scheduler tells a poll so it can report the daemon busy while it waits. */
export interface PollWatch {
  /** The poll interval: a poll still running this long after it started, while proxied
   * commands hold the daemon, is late and the daemon reads busy. */
  lateAfterMs: number;
  /** Told the busy snapshot while the poll still waits (the poll itself goes on). */
  onBusy: (s: DaemonSnapshot) => void;
}

/** Calls onLate once if, lateAfterMs from now or later and before stop(), proxied commands hold
 * the daemon: a poll waits for its slot behind them, or (maxInFlight > 1) Kea, which runs one
 * command at a time, answers it only after them. stop() tells whether onLate was called. */
export function watchLate(queue: Pick<CommandQueue, 'othersInFlight'>, lateAfterMs: number, onLate: () => void): { stop(): boolean } {
  let late = false;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (queue.othersInFlight === 0) {
      timer = setTimeout(check, LATE_CHECK_MS).unref();
      return;
    }
    late = true;
    onLate();
  };
  timer = setTimeout(check, Math.max(0, lateAfterMs)).unref();
  return {
    stop: () => {
      clearTimeout(timer);
      return late;
    },
  };
}
