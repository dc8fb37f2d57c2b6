import type { Config } from './config/types.js';
import type { Log } from './log.js';
import { Scheduler } from './poller/scheduler.js';
import { QueueRegistry } from './queue/command-queue.js';
import { COLLECTORS, PrometheusRenderer } from './render/prometheus/registry.js';
import { statisticsCollector } from './render/prometheus/statistics.js';
import type { DaemonSnapshot } from './snapshot.js';
import { Target } from './targets/target.js';

export interface AppOptions {
  log: Log;
  version: string;
  /** Node process metrics on /metrics (off in tests that compare exact output). */
  processMetrics?: boolean;
}

/** The data path, wired: config -> targets -> per-daemon queues -> poller -> snapshots -> renderers. */
export class App {
  readonly targets: readonly Target[];
  readonly renderer: PrometheusRenderer;
  readonly scheduler: Scheduler;
  private firstRoundDone = false;

  constructor(
    readonly config: Config,
    readonly opts: AppOptions,
  ) {
    const queues = new QueueRegistry({ maxInFlight: config.poll.maxInFlight, maxQueued: config.proxy.maxQueued });
    const ctx = { poll: config.poll, statistics: config.statistics, queues, log: opts.log };
    this.targets = config.targets.map((t) => new Target(t, ctx));
    const extraLabels = [...new Set(config.targets.flatMap((t) => Object.keys(t.labels)))].sort();
    const statistics = [statisticsCollector(config.statistics.naming)];
    this.renderer = new PrometheusRenderer(
      extraLabels,
      { version: opts.version, processMetrics: opts.processMetrics ?? true },
      COLLECTORS,
      statistics.flatMap((c) => c.metrics),
    );
    this.scheduler = new Scheduler(this.targets, {
      intervalMs: config.poll.intervalMs,
      ...(config.statistics.enabled && { statisticsIntervalMs: config.statistics.intervalMs }),
      onSnapshot: (key, s) => this.renderer.update(key, s),
      onStatistics: (key, s) => this.renderer.update(key, s, statistics),
    });
  }

  /** Ready once every target has been polled once (whatever the outcome). */
  get ready(): boolean {
    return this.firstRoundDone;
  }

  /** Latest snapshot of every daemon, in config order. */
  snapshots(): DaemonSnapshot[] {
    return this.targets.flatMap((t) => t.snapshots());
  }

  async start(): Promise<void> {
    await this.scheduler.start();
    this.firstRoundDone = true;
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await Promise.all(this.targets.map((t) => t.close()));
  }
}
