import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Counter, Gauge } from 'prom-client';
import type { Config } from '../config/types.js';
import type { Log } from '../log.js';
import { Scheduler, type Kind } from '../poller/scheduler.js';
import { COLLECTORS, PrometheusRenderer } from '../render/prometheus/registry.js';
import { perfmonCollector } from '../render/prometheus/perfmon.js';
import { statisticsCollector } from '../render/prometheus/statistics.js';
import type { DaemonSnapshot, PerfmonSnapshot, StatisticsSnapshot } from '../snapshot.js';
import { ProbeCache, type ProbeBody } from '../server/probe.js';
import type { ProbeRequest } from '../server/source.js';
import { ProbeTargets, type ProbeRefusal } from '../targets/probe-targets.js';
import type { Target } from '../targets/target.js';
import type { Otel } from '../render/otel/sdk.js';
import { otelSettings } from '../telemetry/settings.js';
import { RELOAD_AT, RELOAD_OK, reloadFailure, reloadResult, type ReloadResult } from './reload.js';
import { buildState, publishHashFor, type AppState, type Built } from './state.js';

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

export const INTERNAL_ERRORS = 'kea_exporter_internal_errors_total';
export const PROBE_TARGETS = 'kea_exporter_probe_targets';

/** The data path, wired: config -> targets -> per-daemon queues -> scheduler -> snapshots ->
 * renderers. All that a configuration builds is one AppState; a reload builds the next one whole
 * (src/app/state.ts, by the table in src/config/reload-table.ts), swaps the one reference, then
 * hands the scheduler the new targets and plan. Targets whose settings did not change are the
 * same objects in both, so they keep their pollers, queues and series: no gap, no extra command. */
export class App {
  readonly renderer: PrometheusRenderer;
  readonly scheduler: Scheduler;
  private state: AppState;
  private readonly statistics: ReturnType<typeof statisticsCollector>;
  /** Latest statistics by series key (GET /probe renders a target's own). */
  private readonly stats = new Map<string, StatisticsSnapshot>();
  private readonly perfmons = new Map<string, PerfmonSnapshot>();
  private readonly reloadOk: Gauge<string>;
  private readonly reloadAt: Gauge<string>;
  private readonly internalErrors: Counter<'stage'>;
  private readonly internalLogged = new Set<Kind>();
  private reloading: Promise<unknown> = Promise.resolve();
  private firstRoundDone = false;
  private otel: Otel | undefined;
  private loadedAtMs = Date.now();
  private readonly probes: ProbeCache<Target>;
  /** Targets /probe builds for addresses (module=); rebuilt by every reload. */
  private addresses: ProbeTargets;
  private readonly probeTargets: Gauge<string>;

  /** Throws a TargetSetupError when a target cannot be built (a TLS file gone since the check). */
  constructor(
    config: Config,
    readonly opts: AppOptions,
  ) {
    this.state = buildState(config, undefined, opts.log, (key) => this.forget(key)).state;
    this.statistics = statisticsCollector(config.statistics.naming);
    this.renderer = new PrometheusRenderer({ version: opts.version, processMetrics: opts.processMetrics ?? true }, COLLECTORS, this.extraMetrics);
    this.reloadOk = this.renderer.gauge(RELOAD_OK, 'Whether the last configuration reload succeeded (1) or failed (0, the previous configuration still runs).');
    this.reloadAt = this.renderer.gauge(RELOAD_AT, 'Unix time of the last successful configuration load (start-up or reload).');
    this.reloadOk.set(1);
    this.reloadAt.set(Date.now() / 1000);
    this.internalErrors = this.renderer.counter(
      INTERNAL_ERRORS,
      'Exceptions caught while a poll ran or its result was handed to the renderers (a bug: please report it), by stage (status, statistics, perfmon); the series of that poll may be stale.',
      ['stage'],
    );
    this.scheduler = new Scheduler(this.state.targets, this.state.plan, {
      onSnapshot: (key, s) => this.renderer.update(key, s),
      onStatistics: (key, s) => {
        this.stats.set(key, s);
        this.renderer.update(key, s, [this.statistics]);
      },
      onPerfmon: (key, s) => {
        this.perfmons.set(key, s);
        this.renderer.update(key, s, [perfmonCollector]);
      },
      onError: (err, stage) => this.internalError(err, stage),
    });
    this.probeTargets = this.renderer.gauge(
      PROBE_TARGETS,
      'Targets GET /probe holds for addresses that are not in the configuration (module=): at most probe.maxTargets, each dropped probe.idleAfter after its last probe.',
    );
    this.probeTargets.set(0);
    this.addresses = this.newAddresses(this.state);
    this.probes = new ProbeCache<Target>({
      poll: (t) => (this.addresses.owns(t) ? this.addresses.poll(t) : this.scheduler.pollTarget(t)),
      render: (t, om) => this.renderProbe(t, om),
      ...(opts.probeMinAgeMs !== undefined && { minAgeMs: opts.probeMinAgeMs }),
    });
  }

  /** The running configuration: the last one loaded, but for settings that wait for a restart. */
  get config(): Config {
    return this.state.config;
  }

  get version(): string {
    return this.opts.version;
  }

  /** When the running configuration was loaded (start-up or the last successful reload). */
  get configLoadedAtMs(): number {
    return this.loadedAtMs;
  }

  get log(): Log {
    return this.opts.log;
  }

  /** The watched targets (this shard's), in config order. */
  get targets(): readonly Target[] {
    return this.state.targets;
  }

  /** Ready once every target has been polled once (whatever the outcome). */
  get ready(): boolean {
    return this.firstRoundDone;
  }

  /** Latest snapshot of every daemon, in config order. */
  snapshots(): DaemonSnapshot[] {
    return this.state.targets.flatMap((t) => t.snapshots());
  }

  async start(): Promise<void> {
    this.otel = await this.startOtel(this.state.config);
    await this.scheduler.start();
    this.firstRoundDone = true;
  }

  /** GET /probe: one target's series alone, from a poll at most PROBE_MIN_AGE_MS old (made now
   * if there is none, shared by every request meanwhile); undefined if a name (no module) is not
   * watched, 'busy' when too many probe requests wait already. With a module, the target is an
   * address, probed if probe.allow lets it (see ProbeTargets). */
  async probe(r: ProbeRequest): Promise<ProbeBody | 'busy' | undefined | { refused: ProbeRefusal; message: string }> {
    if (r.module === undefined) {
      const t = this.state.targets.find((x) => x.name === r.target);
      return t && this.probes.get(t, r.openMetrics, r.waitMs);
    }
    const got = this.addresses.acquire(r.module, r.target);
    if ('refused' in got) return got;
    try {
      return await this.probes.get(got.target, r.openMetrics, r.waitMs);
    } finally {
      got.release();
    }
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
    await Promise.all(this.state.targets.map((t) => t.close()));
    await this.addresses.close();
  }

  private newAddresses(state: AppState): ProbeTargets {
    return new ProbeTargets({
      config: state.config,
      queues: state.queues,
      log: this.opts.log,
      publishHash: publishHashFor(state.config),
      onSize: (n) => this.probeTargets.set(n),
    });
  }

  /** A renderer of its own, for the time of one render: the target's label names only. */
  private async renderProbe(t: Target, openMetrics: boolean): Promise<ProbeBody> {
    const r = new PrometheusRenderer({ version: this.opts.version, processMetrics: false }, COLLECTORS, this.extraMetrics);
    for (const [key, s] of t.snapshotsByKey()) r.update(key, s);
    const own = this.addresses.owns(t);
    for (const key of t.seriesKeys()) {
      const s = own ? this.addresses.statistics(t, key) : this.stats.get(key);
      if (s) r.update(key, s, [this.statistics]);
      const p = this.perfmons.get(key);
      if (p) r.update(key, p, [perfmonCollector]);
    }
    const { contentType, chunks, release } = await r.renderChunks(openMetrics);
    const body = Buffer.concat(chunks);
    release();
    return { contentType, body };
  }

  private async reloadOnce(load: () => Promise<Config>): Promise<ReloadResult> {
    let built: Built;
    try {
      built = buildState(await load(), this.state, this.opts.log, (key) => this.forget(key));
    } catch (err) {
      return this.failed(err);
    }
    this.state = built.state; // the swap: from here on the new configuration runs
    this.loadedAtMs = Date.now();
    this.reloadOk.set(1);
    this.reloadAt.set(Date.now() / 1000);
    await this.settle(built);
    const result = reloadResult(built);
    this.opts.log.info({ added: result.added, removed: result.removed, kept: result.kept, pendingRestart: result.pendingRestart }, 'configuration reloaded');
    return result;
  }

  private failed(err: unknown): ReloadResult {
    this.reloadOk.set(0);
    const error = reloadFailure(err);
    this.opts.log.error({ err: error }, 'configuration reload failed; the previous configuration keeps running');
    return { ok: false, error };
  }

  /** Past the swap, what runs follows the new state. Each step that fails is logged and the
   * next one runs: the reload has happened, and is reported successful. */
  private async settle({ state, changes, dropped }: Built): Promise<void> {
    const warn = (what: string) => (err: unknown) => this.opts.log.warn({ err: reloadFailure(err) }, `after a reload: ${what} failed`);
    const step = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        warn(what)(err);
      }
    };
    let firstPolls: Promise<void> = Promise.resolve();
    // First: from here a dropped target's late results are discarded, so its series stay gone.
    step('scheduling the new targets', () => void (firstPolls = this.scheduler.update(state.targets, state.plan)));
    step('removing the series of removed targets', () => {
      for (const key of dropped.flatMap((t) => t.seriesKeys())) this.forget(key);
    });
    // Addresses probed before start afresh under the new settings and queues (few reloads, a
    // poll each to rebuild).
    if (changes.live.length + changes['restart targets'].length > 0) {
      const was = this.addresses;
      this.addresses = this.newAddresses(state);
      this.probeTargets.set(0);
      await was.close().catch(warn('dropping the targets of /probe addresses'));
    }
    const later = changes['restart process'];
    if (later.length) this.opts.log.warn({ settings: later }, 'these settings take effect at the next restart');
    await firstPolls.catch(warn('the first poll of new targets'));
    await Promise.all(dropped.map((t) => t.close().catch(warn('closing a removed target'))));
    if (changes.live.includes('otel') && this.firstRoundDone) {
      try {
        await this.otel?.shutdown();
        this.otel = await this.startOtel(state.config);
      } catch (err) {
        warn('restarting OTLP export')(err);
      }
    }
  }

  /** Counted every time, logged once per stage: a bug that fires every poll must not flood the log. */
  private internalError(err: unknown, stage: Kind): void {
    this.internalErrors.inc({ stage });
    if (this.internalLogged.has(stage)) return;
    this.internalLogged.add(stage);
    const text = err instanceof Error ? `${err.name}: ${err.message}` : typeof err;
    this.opts.log.error(
      { stage, err: text.slice(0, 200) },
      `internal error handling a poll result, polling goes on (counted in ${INTERNAL_ERRORS}; logged once)`,
    );
  }

  /** The series of one owner (a daemon, or its statistics) that is no longer watched. */
  private forget(key: string): void {
    this.renderer.remove(key);
    this.stats.delete(key);
    this.perfmons.delete(key);
  }

  /** Families of the snapshot kinds beside the daemons': statistics and PerfMon. */
  private get extraMetrics() {
    return [...this.statistics.metrics, ...perfmonCollector.metrics];
  }

  /** The OpenTelemetry SDK is loaded only when export is on: most deployments never pay for it. */
  private async startOtel(config: Config): Promise<Otel | undefined> {
    const settings = otelSettings(config.otel, this.opts.env ?? process.env, { version: this.opts.version, instanceId: randomUUID(), host: hostname() });
    if (!settings.enabled) return undefined;
    const { startOtel } = await import('../render/otel/sdk.js');
    return startOtel(settings, { renderer: this.renderer, log: this.opts.log, version: this.opts.version });
  }
}
