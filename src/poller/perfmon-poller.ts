import { KeaError, toKeaError, type ErrorCode } from '../errors.js';
import { expectSuccess } from '../kea/answer.js';
import { PERFMON_COMMAND, listsPerfmon, parsePerfmonDurations, type PerfmonDuration } from '../kea/perfmon.js';
import type { SubnetInfo } from '../kea/statistics/subnets.js';
import type { DaemonSnapshot, PerfmonSnapshot, PerfmonTotals } from '../snapshot.js';
import type { StatisticsPollerOptions } from './statistics-poller.js';
import { subnetFilter } from './subnet-filter.js';

type PerfmonDaemon = PerfmonSnapshot['daemon'];
const isDhcp = (d: DaemonSnapshot['daemon']): d is PerfmonDaemon => d === 'dhcp4' || d === 'dhcp6';
/** Series per duration key: occurrences, total duration, max. */
export const SERIES_PER_DURATION = 3;

/** The statistics poller's: its caps and subnet filters apply here as to the statistics. */
export type PerfmonPollerOptions = StatisticsPollerOptions;

interface Sums {
  last: PerfmonDuration;
  occurrences: number;
  totalUsecs: number;
  maxUsecs: number | undefined;
  /** The interval last added: one interval stays in Kea's answer for a whole interval or more. */
  counted: string | undefined;
}

/**
 * perfmon-get-all-durations of one kea-dhcp4/6, on a timer of its own (intervalMs), through the
 * daemon's queue like every command. Sent only where list-commands names it (asked once per config
 * hash: a reload may load or drop the hook). Kea answers each key's last completed interval; the
 * poller adds each interval once, so Prometheus gets counters (rates, means) instead of a
 * per-interval snapshot that a scrape may catch or miss.
 */
export class PerfmonPoller {
  private listedFor: { hash: string | undefined; listed: boolean } | undefined;
  private sums = new Map<string, Sums>();
  private widthSecs: number | undefined;
  private errors: Record<string, Partial<Record<ErrorCode, number>>> = {};
  private readonly subnetKept: (id: number) => boolean;

  constructor(private readonly o: PerfmonPollerOptions) {
    this.subnetKept = subnetFilter(o.config.subnets);
  }

  /** Half Kea's interval width once known: each completed interval stays in the answer for at
   * least a width, so every one is seen despite jitter. undefined: not known (not listed yet). */
  get intervalMs(): number | undefined {
    return this.listedFor?.listed && this.widthSecs !== undefined ? (this.widthSecs * 1000) / 2 : undefined;
  }

  /** One poll; never throws. undefined for daemons that are no DHCP server. */
  async poll(): Promise<PerfmonSnapshot | undefined> {
    const st = this.o.status();
    if (!isDhcp(st.daemon)) return undefined;
    const started = Date.now();
    const cfg = this.o.daemonConfig.usable(st.configHash?.hash);
    const subnets: ReadonlyMap<number, SubnetInfo> = cfg?.kind === st.daemon ? cfg.subnets : new Map();
    const base = { target: st.target, daemon: st.daemon, labels: st.labels, polledAt: started, subnets, dropped: 0 };
    const listed = this.listedFor?.listed ?? false;
    if (!st.up) return { ...base, listed, up: false, durations: [], errors: this.errors };
    // The command whose failure this is, once one is sent (kea_exporter_command_errors_total).
    let command: string | undefined;
    try {
      if (this.listedFor?.hash !== st.configHash?.hash || this.listedFor === undefined) {
        command = 'list-commands';
        const has = listsPerfmon(expectSuccess(await this.o.endpoint.command(command, this.o.timeoutMs), `${command} on ${this.o.endpoint.label}`));
        this.listedFor = { hash: st.configHash?.hash, listed: has };
        command = undefined;
      }
      if (!this.listedFor.listed) {
        this.sums.clear();
        return { ...base, listed: false, up: true, durations: [], errors: this.errors };
      }
      // As for the statistics: no series without the subnet labels, never another daemon's.
      if (!cfg) {
        const why = this.o.daemonConfig.failure;
        throw new KeaError(why?.code ?? 'internal', `perfmon waits for the configuration of ${this.o.endpoint.label}: ${why?.message ?? 'not read yet'}`);
      }
      if (cfg.kind !== st.daemon) throw new KeaError('wrong_daemon', `${this.o.endpoint.label} answers as ${cfg.kind}, not ${st.daemon}`);
      command = PERFMON_COMMAND;
      const answer = parsePerfmonDurations(await this.o.endpoint.command(command, this.o.timeoutMs), `${command} on ${this.o.endpoint.label}`);
      this.widthSecs = answer.intervalWidthSecs;
      const dropped = this.add(answer.durations, subnets);
      const durations: PerfmonTotals[] = [...this.sums.values()].map(({ last, occurrences, totalUsecs, maxUsecs }) => ({
        last,
        occurrences,
        totalUsecs,
        maxUsecs,
      }));
      return {
        ...base,
        listed: true,
        up: true,
        lastSuccessAt: Date.now(),
        intervalWidthSecs: answer.intervalWidthSecs,
        durations,
        dropped,
        errors: this.errors,
      };
    } catch (err) {
      const e = toKeaError(err);
      if (command) this.errors = { ...this.errors, [command]: { ...this.errors[command], [e.code]: (this.errors[command]?.[e.code] ?? 0) + 1 } };
      this.o.log.warn({ target: st.target, daemon: st.daemon, ...(command && { command }), reason: e.code, err: e.message }, 'perfmon poll failed');
      return { ...base, listed: this.listedFor?.listed ?? false, up: false, error: { code: e.code, message: e.message }, durations: [], errors: this.errors };
    }
  }

  /** Adds each key's interval when it is one not counted yet. Keys Kea no longer reports (a
   * restart, a subnet removed) are forgotten: their counters start again if they come back.
   * Returns the keys left out by the cap. */
  private add(durations: readonly PerfmonDuration[], subnets: ReadonlyMap<number, SubnetInfo>): number {
    const next = new Map<string, Sums>();
    const cap = Math.floor(this.o.config.maxSeries / SERIES_PER_DURATION);
    let dropped = 0;
    for (const d of durations) {
      if (!this.keep(d.subnetId, subnets)) continue;
      const key = `${d.subnetId}|${d.query}|${d.response}|${d.stage}`;
      if (next.has(key)) continue; // Kea lists a key once; a repeat is not counted twice
      if (next.size >= cap) {
        dropped++;
        continue;
      }
      const s = this.sums.get(key) ?? { last: d, occurrences: 0, totalUsecs: 0, maxUsecs: undefined, counted: undefined };
      s.last = d;
      if (d.intervalStart !== undefined && d.intervalStart !== s.counted) {
        s.counted = d.intervalStart;
        s.occurrences += d.occurrences;
        s.totalUsecs += d.totalUsecs;
        s.maxUsecs = d.maxUsecs;
      }
      next.set(key, s);
    }
    this.sums = next;
    return dropped;
  }

  /** Subnet 0 (Kea's total) always; a subnet's keys as statistics.perSubnet and subnets say, and
   * only for subnets of the configuration (their labels). */
  private keep(id: number, subnets: ReadonlyMap<number, SubnetInfo>): boolean {
    if (id === 0) return true;
    return this.o.config.perSubnet && subnets.has(id) && this.subnetKept(id);
  }
}
