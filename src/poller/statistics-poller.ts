import { KeaError, toKeaError } from '../errors.js';
import { expectSuccess } from '../kea/answer.js';
import { keepStatistics, NO_STATISTICS, type StatScope } from '../kea/statistics/parse.js';
import { StatisticsTextReader } from '../kea/statistics/statistics-text.js';
import type { SubnetInfo } from '../kea/statistics/subnets.js';
import type { StatisticsConfig } from '../config/types.js';
import type { Log } from '../log.js';
import type { DaemonSnapshot, StatisticsSnapshot } from '../snapshot.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import { ATTR, SpanStatusCode, traced } from '../telemetry/tracing.js';
import type { DaemonConfigCache } from './daemon-config.js';
import { subnetFilter } from './subnet-filter.js';

type StatsDaemon = StatisticsSnapshot['daemon'];
const isStatsDaemon = (d: DaemonSnapshot['daemon']): d is StatsDaemon => d === 'dhcp4' || d === 'dhcp6' || d === 'd2';
const NO_SUBNETS: ReadonlyMap<number, SubnetInfo> = new Map();

export interface StatisticsPollerOptions {
  endpoint: Endpoint;
  /** The daemon's latest status snapshot: its type, whether it is up, its config hash. */
  status: () => DaemonSnapshot;
  /** The daemon's configuration as its poller had it read: the subnet labels. */
  daemonConfig: Pick<DaemonConfigCache, 'usable' | 'failure'>;
  config: StatisticsConfig;
  timeoutMs: number;
  log: Log;
}

/** statistic-get-all for one DHCP or DDNS daemon, on its own (slower) timer. Subnet labels come
 * from the daemon's config cache, which its daemon poller fills once per config hash: this
 * poller sends statistic-get-all and nothing else. */
export class StatisticsPoller {
  private errors: StatisticsSnapshot['errors'] = {};
  private readonly subnetKept: (id: number) => boolean;
  private readonly reader = new StatisticsTextReader();

  constructor(private readonly o: StatisticsPollerOptions) {
    this.subnetKept = subnetFilter(o.config.subnets);
  }

  /** One poll in a span; never throws. undefined when this daemon has no statistics to poll. */
  async poll(): Promise<StatisticsSnapshot | undefined> {
    const st = this.o.status();
    if (!isStatsDaemon(st.daemon) || !st.up) return this.pollOnce();
    return traced('kea statistics poll', { [ATTR.target]: st.target, [ATTR.daemon]: st.daemon }, async (span) => {
      const next = await this.pollOnce();
      if (next?.error && span.isRecording()) span.setStatus({ code: SpanStatusCode.ERROR, message: `${next.error.code}: ${next.error.message}` });
      return next;
    });
  }

  private async pollOnce(): Promise<StatisticsSnapshot | undefined> {
    const st = this.o.status();
    if (!isStatsDaemon(st.daemon)) return undefined;
    const started = Date.now();
    // DHCP statistics are labelled from the configuration; d2's have no subnets.
    const cfg = st.daemon === 'd2' ? undefined : this.o.daemonConfig.usable(st.configHash?.hash);
    const subnets = cfg?.kind === st.daemon ? cfg.subnets : NO_SUBNETS;
    const base = { target: st.target, daemon: st.daemon, labels: st.labels, polledAt: started, subnets };
    if (!st.up) return { ...base, up: false, pollDurationSeconds: 0, statistics: NO_STATISTICS, dropped: 0, errors: this.errors };
    let sent = false;
    try {
      if (st.daemon !== 'd2') {
        // Nothing is sent without the labels: config-get is the daemon poller's (it retries
        // each poll, and counts its failures as command="config-get").
        const why = this.o.daemonConfig.failure;
        if (!cfg)
          throw new KeaError(why?.code ?? 'internal', `statistics wait for the configuration of ${this.o.endpoint.label}: ${why?.message ?? 'not read yet'}`);
        // Another daemon's statistics must never be exported under this one's names.
        if (cfg.kind !== st.daemon) throw new KeaError('wrong_daemon', `${this.o.endpoint.label} answers as ${cfg.kind}, not ${st.daemon}`);
      }
      sent = true;
      const { answer, statistics: all } = await this.o.endpoint.commandRead('statistic-get-all', this.o.timeoutMs, (text, list, what) =>
        this.reader.read(text, list, what),
      );
      expectSuccess(answer, `statistic-get-all on ${this.o.endpoint.label}`);
      // Kea keeps reporting some statistics of a subnet removed from its config (seen on 2.2:
      // subnet[ID].v4-reservation-conflicts); with the config in hand those are left out.
      // Most often all, and no copy.
      const { kept, dropped } = keepStatistics(all, (x) => this.keep(x, cfg && subnets), this.o.config.maxSeries);
      // The answer read in one turn of the event loop, its series made in the next: a scrape that
      // came meanwhile is answered between the two, not after both.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return {
        ...base,
        up: true,
        lastSuccessAt: Date.now(),
        pollDurationSeconds: (Date.now() - started) / 1000,
        statistics: kept,
        dropped,
        errors: this.errors,
      };
    } catch (err) {
      const e = toKeaError(err);
      // kea_exporter_command_errors_total{command="statistic-get-all"}: only what that command met.
      if (sent) this.errors = { ...this.errors, [e.code]: (this.errors[e.code] ?? 0) + 1 };
      const command = sent ? { command: 'statistic-get-all' } : {};
      this.o.log.warn({ target: st.target, daemon: st.daemon, ...command, reason: e.code, err: e.message }, 'statistics poll failed');
      return {
        ...base,
        up: false,
        error: { code: e.code, message: e.message },
        pollDurationSeconds: (Date.now() - started) / 1000,
        statistics: NO_STATISTICS,
        dropped: 0,
        errors: this.errors,
      };
    }
  }

  private keep(s: StatScope, known: ReadonlyMap<number, SubnetInfo> | undefined): boolean {
    if (s.subnetId === undefined) return true;
    if (known && !known.has(s.subnetId)) return false;
    const pool = s.poolId !== undefined || s.pdPoolId !== undefined;
    if (!this.o.config.perSubnet || (pool && !this.o.config.perPool)) return false;
    return this.subnetKept(s.subnetId);
  }
}
