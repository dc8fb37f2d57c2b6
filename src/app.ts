import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Counter, Gauge } from 'prom-client';
import { ConfigError } from './config/error.js';
import { setupFailure } from './config/files.js';
import type { Config } from './config/types.js';
import { canonicalJson } from './kea/config-hash.js';
import { hashPublisher } from './kea/published-hash.js';
import type { Log } from './log.js';
import { Scheduler, type Kind, type SchedulerOptions } from './poller/scheduler.js';
import { QueueRegistry } from './queue/command-queue.js';
import { COLLECTORS, PrometheusRenderer } from './render/prometheus/registry.js';
import { statisticsCollector } from './render/prometheus/statistics.js';
import type { DaemonSnapshot, StatisticsSnapshot } from './snapshot.js';
import { ProbeCache, type ProbeBody } from './server/probe.js';
import { inShard } from './targets/shard.js';
import { Target, type TargetContext } from './targets/target.js';
import { startOtel, type Otel } from './render/otel/sdk.js';
import { otelSettings } from './telemetry/settings.js';

export interface AppOptions {
  log: Log;
  version: string;
  /** Node process metrics on /metrics (off in tests that compare exact output). */
  processMetrics?: boolean;
  /** Where OTEL_* variables are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** GET /probe's reuse age (default PROBE_MIN_AGE_MS; tests). */
  probeMinAgeMs?: number;
}

export type ReloadResult = { ok: true; added: string[]; removed: string[]; kept: number } | { ok: false; error: string };

export const RELOAD_OK = 'kea_exporter_config_last_reload_successful';
export const RELOAD_AT = 'kea_exporter_config_last_reload_success_timestamp_seconds';
export const INTERNAL_ERRORS = 'kea_exporter_internal_errors_total';
/** Bound to listeners and plugins at start-up: a reload reports them, a restart applies them. */
const AT_RESTART = ['listen', 'proxy', 'statistics.naming'] as const;

/** Without a configured hashKey: one random key for the life of the process (every reload and
 * target keyed alike, so hashes stay comparable within this exporter). */
const PROCESS_HASH_KEY = randomBytes(32);

const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
/** What each Target's pollers and queues are built with (the interval is the scheduler's). */
const builtIn = (c: Config) => ({ poll: { ...c.poll, intervalMs: 0, background: true }, statistics: { ...c.statistics, naming: '' }, hashKey: c.hashKey ?? '' });

/** A target of a new configuration could not be built (its transport reads TLS files). The
 * message is safe to log and answer: key path and reason, no value. */
export class TargetSetupError extends Error {
  override readonly name = 'TargetSetupError';
}

/** What a failed reload reports: a ConfigError's own text (written to name no value), else a
 * fixed one. Never an arbitrary error's message, which may carry a path or a value. */
function reloadFailure(err: unknown): string {
  if (err instanceof ConfigError || err instanceof TargetSetupError) return err.message;
  return `internal error (${err instanceof Error ? err.name : typeof err})`;
}

/** A new configuration's state, complete, before anything running is touched. */
interface Staged {
  next: Config;
  queues: QueueRegistry;
  targets: Target[];
}

/** The data path, wired: config -> targets -> per-daemon queues -> poller -> snapshots -> renderers.
 * A reload swaps the config whole; targets whose settings did not change keep their pollers, queues
 * and series, so they see no gap and no extra command. */
export class App {
  readonly renderer: PrometheusRenderer;
  readonly scheduler: Scheduler;
  private cfg: Config;
  private current: Target[];
  private queues: QueueRegistry;
  private readonly statistics: ReturnType<typeof statisticsCollector>;
  private readonly stats = new Map<string, StatisticsSnapshot>();
  private readonly reloadOk: Gauge<string>;
  private readonly reloadAt: Gauge<string>;
  private readonly internalErrors: Counter<'stage'>;
  private readonly internalLogged = new Set<Kind>();
  private reloading: Promise<unknown> = Promise.resolve();
  private firstRoundDone = false;
  private otel: Otel | undefined;
  private readonly probes: ProbeCache<Target>;

  constructor(
    config: Config,
    readonly opts: AppOptions,
  ) {
    this.cfg = config;
    this.queues = this.newQueues(config);
    this.current = this.buildTargets(config, [], this.queues);
    this.statistics = statisticsCollector(config.statistics.naming);
    this.renderer = new PrometheusRenderer(
      { version: opts.version, processMetrics: opts.processMetrics ?? true },
      COLLECTORS,
      this.statistics.metrics,
    );
    this.reloadOk = this.renderer.gauge(RELOAD_OK, 'Whether the last configuration reload succeeded (1) or failed (0, the previous configuration still runs).');
    this.reloadAt = this.renderer.gauge(RELOAD_AT, 'Unix time of the last successful configuration load (start-up or reload).');
    this.reloadOk.set(1);
    this.reloadAt.set(Date.now() / 1000);
    this.internalErrors = this.renderer.counter(INTERNAL_ERRORS, 'Exceptions caught while a poll ran or its result was handed to the renderers (a bug: please report it), by stage (status, statistics); the series of that poll may be stale.', ['stage']);
    this.scheduler = new Scheduler(this.current, this.schedulerOptions(config));
    this.probes = new ProbeCache<Target>({
      poll: (t) => this.scheduler.pollTarget(t),
      render: (t, om) => this.renderProbe(t, om),
      ...(opts.probeMinAgeMs !== undefined && { minAgeMs: opts.probeMinAgeMs }),
    });
  }

  get config(): Config {
    return this.cfg;
  }

  /** The watched targets (this shard's), in config order. */
  get targets(): readonly Target[] {
    return this.current;
  }

  /** Ready once every target has been polled once (whatever the outcome). */
  get ready(): boolean {
    return this.firstRoundDone;
  }

  /** Latest snapshot of every daemon, in config order. */
  snapshots(): DaemonSnapshot[] {
    return this.current.flatMap((t) => t.snapshots());
  }

  async start(): Promise<void> {
    this.otel = this.startOtel(this.cfg);
    await this.scheduler.start();
    this.firstRoundDone = true;
  }

  /** GET /probe: one target's series alone, from a poll at most PROBE_MIN_AGE_MS old (made now
   * if there is none, shared by every request meanwhile); undefined if not watched, 'busy' when
   * too many probe requests wait already. */
  async probe(name: string, openMetrics: boolean): Promise<ProbeBody | 'busy' | undefined> {
    const t = this.current.find((x) => x.name === name);
    if (!t) return undefined;
    return this.probes.get(t, openMetrics);
  }

  /** A renderer of its own, for the time of one render: the target's series only. */
  private async renderProbe(t: Target, openMetrics: boolean): Promise<ProbeBody> {
    const r = new PrometheusRenderer({ version: this.opts.version, processMetrics: false }, COLLECTORS, this.statistics.metrics);
    for (const [key, s] of t.snapshotsByKey()) r.update(key, s);
    for (const key of t.seriesKeys()) {
      const s = this.stats.get(key);
      if (s) r.update(key, s, [this.statistics]);
    }
    const { contentType, chunks } = await r.renderChunks(openMetrics);
    return { contentType, body: Buffer.concat(chunks) };
  }

  /** Loads a configuration, builds its whole state, then swaps it in; on any error before the
   * swap the running one stays untouched. Reloads run one at a time. Never rejects, and a failed
   * reload leaves the next one working. */
  reload(load: () => Promise<Config>): Promise<ReloadResult> {
    const run = this.reloading.then(() => this.reloadOnce(load)).catch((err: unknown) => this.failed(err));
    this.reloading = run;
    return run;
  }

  async stop(): Promise<void> {
    await this.reloading;
    await this.scheduler.stop();
    // After the last poll: its spans and one last metric export are flushed.
    await this.otel?.shutdown();
    this.otel = undefined;
    await Promise.all(this.current.map((t) => t.close()));
  }

  private async reloadOnce(load: () => Promise<Config>): Promise<ReloadResult> {
    let staged: Staged;
    try {
      staged = this.stage(await load());
    } catch (err) {
      return this.failed(err);
    }
    const result = await this.apply(staged);
    this.reloadOk.set(1);
    this.reloadAt.set(Date.now() / 1000);
    this.opts.log.info({ added: result.added, removed: result.removed, kept: result.kept }, 'configuration reloaded');
    return result;
  }

  private failed(err: unknown): ReloadResult {
    this.reloadOk.set(0);
    const error = reloadFailure(err);
    this.opts.log.error({ err: error }, 'configuration reload failed; the previous configuration keeps running');
    return { ok: false, error };
  }

  /** Builds what `next` needs (queues, targets with their transports) without touching what runs.
   * Throws, having disposed of what it built, when a target cannot be built. */
  private stage(next: Config): Staged {
    // Settings every poller holds: when they change, every target starts afresh.
    const fresh = !same(builtIn(next), builtIn(this.cfg));
    const queues = fresh ? this.newQueues(next) : this.queues;
    return { next, queues, targets: this.buildTargets(next, fresh ? [] : this.current, queues) };
  }

  /** Swaps a staged state in. Past the swap the new configuration runs: what fails after it
   * (a first poll, closing removed targets, restarting OTLP) is logged, not a failed reload. */
  private async apply({ next, queues, targets }: Staged): Promise<ReloadResult & { ok: true }> {
    const prev = this.cfg;
    const later = AT_RESTART.filter((k) => (k === 'statistics.naming' ? prev.statistics.naming !== next.statistics.naming : !same(prev[k], next[k])));
    if (later.length) this.opts.log.warn({ settings: later }, 'these settings take effect at the next restart');
    const old = this.current;
    const removed = old.filter((t) => !targets.includes(t));
    this.cfg = next;
    this.queues = queues;
    for (const t of removed) {
      for (const key of t.seriesKeys()) {
        this.renderer.remove(key);
        this.stats.delete(key);
      }
    }
    this.current = targets;
    const afterSwap = (what: string) => (err: unknown) => this.opts.log.warn({ err: reloadFailure(err) }, `after a reload: ${what} failed`);
    await this.scheduler.update(targets, this.schedulerOptions(next)).catch(afterSwap('the first poll of new targets'));
    await Promise.all(removed.map((t) => t.close().catch(afterSwap('closing a removed target'))));
    if (!same(prev.otel, next.otel) && this.firstRoundDone) {
      try {
        await this.otel?.shutdown();
        this.otel = this.startOtel(next);
      } catch (err) {
        afterSwap('restarting OTLP export')(err);
      }
    }
    const added = targets.filter((t) => !old.includes(t)).map((t) => t.name);
    return { ok: true, added, removed: removed.map((t) => t.name), kept: targets.length - added.length };
  }

  /** This shard's targets; one whose settings are unchanged is the running Target itself. When
   * one cannot be built, those built so far are closed and a TargetSetupError is thrown. */
  private buildTargets(config: Config, keep: readonly Target[], queues: QueueRegistry): Target[] {
    const ctx: TargetContext = {
      poll: config.poll, statistics: config.statistics, queues, log: this.opts.log,
      publishHash: hashPublisher(config.hashKey ?? PROCESS_HASH_KEY),
    };
    const built: Target[] = [];
    config.targets.forEach((tc, index) => {
      if (!inShard(tc.name, config.shard)) return;
      const running = keep.find((t) => t.name === tc.name && same(t.config, tc));
      if (running) return void built.push(running);
      try {
        built.push(new Target(tc, ctx));
      } catch (err) {
        // None of the new ones was polled yet; the kept ones still run and stay open.
        for (const t of built) if (!keep.includes(t)) void t.close().catch(() => undefined);
        throw new TargetSetupError(setupFailure(config, index, err));
      }
    });
    return built;
  }

  private newQueues(config: Config): QueueRegistry {
    return new QueueRegistry({ maxInFlight: config.poll.maxInFlight, maxQueued: config.proxy.maxQueued });
  }

  private schedulerOptions(config: Config): SchedulerOptions {
    return {
      intervalMs: config.poll.intervalMs,
      background: config.poll.background,
      ...(config.statistics.enabled && { statisticsIntervalMs: config.statistics.intervalMs }),
      onSnapshot: (key, s) => this.renderer.update(key, s),
      onStatistics: (key, s) => {
        this.stats.set(key, s);
        this.renderer.update(key, s, [this.statistics]);
      },
      onError: (err, stage) => this.internalError(err, stage),
    };
  }

  /** Counted every time, logged once per stage: a bug that fires every poll must not flood the log. */
  private internalError(err: unknown, stage: Kind): void {
    this.internalErrors.inc({ stage });
    if (this.internalLogged.has(stage)) return;
    this.internalLogged.add(stage);
    const text = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
    this.opts.log.error({ stage, err: text.slice(0, 200) }, `internal error handling a poll result, polling goes on (counted in ${INTERNAL_ERRORS}; logged once)`);
  }

  private startOtel(config: Config): Otel | undefined {
    const settings = otelSettings(config.otel, this.opts.env ?? process.env, { version: this.opts.version, instanceId: randomUUID(), host: hostname() });
    return startOtel(settings, { renderer: this.renderer, log: this.opts.log, version: this.opts.version });
  }
}
