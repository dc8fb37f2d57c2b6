import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from './config/types.js';
import type { Log } from './log.js';
import { Scheduler } from './poller/scheduler.js';
import { QueueRegistry } from './queue/command-queue.js';
import { COLLECTORS, PrometheusRenderer } from './render/prometheus/registry.js';
import { statisticsCollector } from './render/prometheus/statistics.js';
import type { DaemonSnapshot } from './snapshot.js';
import { Target } from './targets/target.js';
import { startOtel, type Otel } from './telemetry/sdk.js';
import { otelSettings } from './telemetry/settings.js';

export interface AppOptions {
  log: Log;
  version: string;
  /** Node process metrics on /metrics (off in tests that compare exact output). */
  processMetrics?: boolean;
  /** Where OTEL_* variables are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The data path, wired: config -> targets -> per-daemon queues -> poller -> snapshots -> renderers. */
export class App {
  readonly targets: readonly Target[];
  readonly renderer: PrometheusRenderer;
  readonly scheduler: Scheduler;
  private firstRoundDone = false;
  private otel: Otel | undefined;

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
    const settings = otelSettings(this.config.otel, this.opts.env ?? process.env, { version: this.opts.version, instanceId: randomUUID(), host: hostname() });
    this.otel = startOtel(settings, { renderer: this.renderer, log: this.opts.log, version: this.opts.version });
    await this.scheduler.start();
    this.firstRoundDone = true;
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    // After the last poll: its spans and one last metric export are flushed.
    await this.otel?.shutdown();
    this.otel = undefined;
    await Promise.all(this.targets.map((t) => t.close()));
  }
}
