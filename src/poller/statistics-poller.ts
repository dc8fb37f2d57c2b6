import { KeaError, toKeaError } from '../errors.js';
import { configKind } from '../kea/config-kind.js';
import { expectSuccess } from '../kea/answer.js';
import { parseStatistics, type StatSample } from '../kea/statistics/parse.js';
import { parseSubnets, type SubnetInfo } from '../kea/statistics/subnets.js';
import type { StatisticsConfig } from '../config/types.js';
import type { Log } from '../log.js';
import type { DaemonSnapshot, StatisticsSnapshot } from '../snapshot.js';
import type { Endpoint } from '../targets/endpoint.js';
import type { DaemonKind } from '../kea/types.js';
import { ATTR, SpanStatusCode, traced } from '../telemetry/tracing.js';

type StatsDaemon = StatisticsSnapshot['daemon'];
const isStatsDaemon = (d: DaemonSnapshot['daemon']): d is StatsDaemon => d === 'dhcp4' || d === 'dhcp6' || d === 'd2';

export interface StatisticsPollerOptions {
  endpoint: Endpoint;
  /** The daemon's latest status snapshot: its type, whether it is up, its config hash. */
  status: () => DaemonSnapshot;
  config: StatisticsConfig;
  timeoutMs: number;
  log: Log;
}

/** statistic-get-all for one DHCP or DDNS daemon, on its own (slower) timer. Subnet labels come
 * from config-get, fetched only when the config hash differs from the one they were read from. */
export class StatisticsPoller {
  private subnets: ReadonlyMap<number, SubnetInfo> = new Map();
  private subnetsHash: string | undefined;
  private errors: StatisticsSnapshot['errors'] = {};
  private readonly allow: ReadonlySet<number> | undefined;
  private readonly deny: ReadonlySet<number>;

  constructor(private readonly o: StatisticsPollerOptions) {
    this.allow = o.config.subnets?.allow && new Set(o.config.subnets.allow);
    this.deny = new Set(o.config.subnets?.deny ?? []);
  }

  /** The daemon poller hands over the config-get it just fetched (Kea 2.2 hashes it), so the
   * same multi-megabyte answer is neither fetched nor parsed twice. */
  noteConfig(configGetArgs: unknown, hash: string, daemon: DaemonKind | 'unknown'): void {
    if (daemon !== 'dhcp4' && daemon !== 'dhcp6') return;
    this.subnets = parseSubnets(configGetArgs);
    this.subnetsHash = hash;
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
    const base = { target: st.target, daemon: st.daemon, labels: st.labels, polledAt: started, subnets: this.subnets };
    if (!st.up) return { ...base, up: false, pollDurationSeconds: 0, samples: [], dropped: 0, errors: this.errors };
    let command = 'config-get';
    try {
      const hash = st.configHash?.hash;
      if (st.daemon !== 'd2' && (hash === undefined || hash !== this.subnetsHash)) {
        const answer = await this.o.endpoint.command('config-get', this.o.timeoutMs);
        const args = expectSuccess(answer, `config-get on ${this.o.endpoint.label}`);
        // Another daemon's statistics must never be exported under this one's names.
        const kind = configKind(args);
        if (kind !== st.daemon) throw new KeaError('wrong_daemon', `${this.o.endpoint.label} answers as ${kind}, not ${st.daemon}`);
        this.noteConfig(args, hash ?? '', st.daemon);
      }
      command = 'statistic-get-all';
      const answer = await this.o.endpoint.command('statistic-get-all', this.o.timeoutMs);
      const all = parseStatistics(expectSuccess(answer, `statistic-get-all on ${this.o.endpoint.label}`));
      // Kea keeps reporting some statistics of a subnet removed from its config (seen on 2.2:
      // subnet[ID].v4-reservation-conflicts); with the config in hand those are left out.
      const known = st.daemon !== 'd2' && this.subnetsHash !== undefined && this.subnetsHash === st.configHash?.hash ? this.subnets : undefined;
      const kept = all.filter((s) => this.keep(s, known));
      const samples = kept.length > this.o.config.maxSeries ? kept.slice(0, this.o.config.maxSeries) : kept;
      return {
        ...base, subnets: this.subnets, up: true, lastSuccessAt: Date.now(),
        pollDurationSeconds: (Date.now() - started) / 1000,
        samples, dropped: kept.length - samples.length, errors: this.errors,
      };
    } catch (err) {
      const e = toKeaError(err);
      this.errors = { ...this.errors, [e.code]: (this.errors[e.code] ?? 0) + 1 };
      this.o.log.warn({ target: st.target, daemon: st.daemon, command, reason: e.code, err: e.message }, 'statistics poll failed');
      return {
        ...base, up: false, error: { code: e.code, message: e.message },
        pollDurationSeconds: (Date.now() - started) / 1000, samples: [], dropped: 0, errors: this.errors,
      };
    }
  }

  private keep(s: StatSample, known: ReadonlyMap<number, SubnetInfo> | undefined): boolean {
    if (s.subnetId === undefined) return true;
    if (known && !known.has(s.subnetId)) return false;
    const pool = s.poolId !== undefined || s.pdPoolId !== undefined;
    if (!this.o.config.perSubnet || (pool && !this.o.config.perPool)) return false;
    if (this.deny.has(s.subnetId)) return false;
    return this.allow === undefined || this.allow.has(s.subnetId);
  }
}
