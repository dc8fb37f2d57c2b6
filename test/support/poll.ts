/** Polls on demand, for tests: every target of an App at once, through the scheduler's public
 * pollTarget (a poll of that kind already running is joined, not doubled). */
import type { Kind, Pollable } from '../../src/poller/scheduler.js';

/** The part of App these helpers use. */
export interface PolledApp {
  readonly targets: readonly Pollable[];
  readonly scheduler: { pollTarget(t: Pollable, kind?: Kind): Promise<void> };
}

/** Every target's status poll, once now. */
export async function pollAll(app: PolledApp, kind: Kind = 'status'): Promise<void> {
  await Promise.all(app.targets.map((t) => app.scheduler.pollTarget(t, kind)));
}

/** Every target's statistics poll and its PerfMon poll (which rides on the statistics), once now. */
export async function pollAllStatistics(app: PolledApp): Promise<void> {
  await Promise.all([pollAll(app, 'statistics'), pollAll(app, 'perfmon')]);
}
