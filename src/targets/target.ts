import type { Config, TargetConfig } from '../config/types.js';
import { Endpoint } from '../endpoint/endpoint.js';
import type { HashPublisher } from '../kea/published-hash.js';
import type { DaemonKind } from '../kea/types.js';
import type { Log } from '../log.js';
import { DaemonConfigCache, type DaemonConfig, type Service } from '../poller/daemon-config.js';
import { DaemonPoller } from '../poller/daemon-poller.js';
import type { PollWatch } from '../poller/late-watch.js';
import { PerfmonPoller } from '../poller/perfmon-poller.js';
import { StatisticsPoller } from '../poller/statistics-poller.js';
import type { Queues } from '../queue/command-queue.js';
import type { DaemonSnapshot, PerfmonSnapshot, StatisticsSnapshot } from '../snapshot.js';
import { HttpTransport } from '../transport/http.js';
import type { Transport } from '../transport/transport.js';
import { UnixTransport } from '../transport/unix.js';

export interface TargetContext {
  poll: Config['poll'];
  statistics: Config['statistics'];
  queues: Queues;
  log: Log;
  publishHash: HashPublisher;
  /** The pollers' clock (default Date.now). */
  now?: () => number;
  /** A daemon is no longer behind a discovered Control Agent (its configuration dropped it):
   * the series of this key must go. */
  seriesGone?: (key: string) => void;
}

/** PollWatch for every daemon of a target: the busy snapshot comes with its key. */
export interface TargetWatch {
  lateAfterMs: number;
  onBusy: (key: string, s: DaemonSnapshot) => void;
}

/** One daemon reached through the target, wired: how to reach it, what its configuration says
 * (one cache, filled once per config hash), and the pollers that read it. */
interface Daemon {
  endpoint: Endpoint;
  config: DaemonConfigCache;
  poller: DaemonPoller;
  statistics: StatisticsPoller | undefined;
  perfmon: PerfmonPoller | undefined;
}

const STATISTICS = '#statistics';
const PERFMON = '#perfmon';

/** One configured target and the daemons reached through it: one for a socket or a Kea 3 HTTP
 * socket; the agent itself plus each service behind it for a Control Agent. The one place a
 * daemon's endpoint, config cache and pollers are built. */
export class Target {
  readonly name: string;
  private readonly daemons = new Map<string, Daemon>();
  private readonly transport: Transport;
  private readonly selfKey: string;
  private services: readonly Service[] | undefined;
  /** The agent's configuration the services were last taken from. */
  private servicesFrom: DaemonConfig | undefined;
  /** A URL without daemon turned out to be a Kea 3 daemon's own socket. */
  private kea3 = false;

  constructor(
    readonly config: TargetConfig,
    private readonly ctx: TargetContext,
  ) {
    this.name = config.name;
    this.selfKey = `${this.name}|self`;
    const { poll } = ctx;
    if (config.kind === 'socket') {
      this.transport = new UnixTransport(config.socket, poll.maxAnswerBytes);
      this.add('self', `unix:${config.socket}`, undefined, config.daemon);
    } else {
      // One pool per target bounds the connections to it: a slot per daemon behind it.
      const daemons = config.kind === 'agent' ? 1 + 3 : 1;
      this.transport = new HttpTransport(config, poll.maxInFlight * daemons, poll.maxAnswerBytes);
      // A URL without daemon or services may be a Control Agent or a Kea 3 daemon's own socket:
      // what answers is detected from its config-get at first contact (see discover).
      const self = config.kind === 'http' ? config.daemon : config.services ? 'ca' : undefined;
      this.add('self', `${config.url}#self`, undefined, self);
      if (config.kind === 'agent' && config.services) this.setServices(config.services);
    }
  }

  /** Keys of every series owner: the daemons, their statistics and their PerfMon durations. */
  seriesKeys(): string[] {
    return [...this.daemons].flatMap(([key, d]) => [key, ...(d.statistics ? [key + STATISTICS] : []), ...(d.perfmon ? [key + PERFMON] : [])]);
  }

  snapshotsByKey(): [string, DaemonSnapshot][] {
    return [...this.daemons].map(([key, d]) => [key, d.poller.snapshot]);
  }

  snapshots(): DaemonSnapshot[] {
    return [...this.daemons.values()].map((d) => d.poller.snapshot);
  }

  /** Where a proxied command goes: without service, the target itself (a socket's daemon, a
   * Kea 3 socket, or the agent); with one, the daemon named, if this target reaches it. */
  endpointFor(service: string | undefined): Endpoint | undefined {
    const self = this.daemons.get(this.selfKey)!;
    if (service === undefined) return self.endpoint;
    if (this.config.kind === 'agent' && !this.kea3) return this.daemons.get(`${this.name}|${service}`)?.endpoint;
    const daemon = this.config.kind === 'agent' ? self.poller.snapshot.daemon : (this.config.daemon ?? self.poller.snapshot.daemon);
    return daemon === service || daemon === 'unknown' ? self.endpoint : undefined;
  }

  /** One poll of every daemon of this target (different daemons in parallel: different queues).
   * With watch, a daemon whose poll is late behind proxied commands is reported busy meanwhile. */
  async poll(watch?: TargetWatch): Promise<Map<string, DaemonSnapshot>> {
    const polled = new Map<string, DaemonSnapshot>();
    const pollEach = async (keys: string[]): Promise<void> => {
      const entries = await Promise.all(
        keys.map(async (key) => {
          const each: PollWatch | undefined = watch && { lateAfterMs: watch.lateAfterMs, onBusy: (s) => watch.onBusy(key, s) };
          return [key, await this.daemons.get(key)!.poller.poll(each)] as const;
        }),
      );
      for (const [key, s] of entries) polled.set(key, s);
    };
    const rest = () => [...this.daemons.keys()].filter((key) => !polled.has(key));
    // Its own poll tells what answers (and, for an agent, the services) before they are polled.
    if (this.discovers() && this.services === undefined) await pollEach([this.selfKey]);
    this.discover();
    await pollEach(rest());
    // The agent's configuration read just now may name other daemons: those follow at once.
    if (this.discover()) await pollEach(rest());
    for (const key of polled.keys()) if (!this.daemons.has(key)) polled.delete(key);
    return polled;
  }

  /** One statistic-get-all of every DHCP/DDNS daemon of this target that is up. */
  async pollStatistics(): Promise<Map<string, StatisticsSnapshot>> {
    const polled = [...this.daemons].flatMap(([key, d]) => (d.statistics ? [[key, d.statistics] as const] : []));
    const entries = await Promise.all(polled.map(async ([key, p]) => [key, p, await p.poll()] as const));
    const out = new Map<string, StatisticsSnapshot>();
    // A daemon dropped from behind the agent meanwhile: its late result is dropped too.
    for (const [key, p, s] of entries) if (s && this.daemons.get(key)?.statistics === p) out.set(key + STATISTICS, s);
    return out;
  }

  /** perfmon-get-all-durations of every DHCP daemon of this target that lists it. */
  async pollPerfmon(): Promise<Map<string, PerfmonSnapshot>> {
    const polled = [...this.daemons].flatMap(([key, d]) => (d.perfmon ? [[key, d.perfmon] as const] : []));
    const entries = await Promise.all(polled.map(async ([key, p]) => [key, p, await p.poll()] as const));
    const out = new Map<string, PerfmonSnapshot>();
    for (const [key, p, s] of entries) if (s && this.daemons.get(key)?.perfmon === p) out.set(key + PERFMON, s);
    return out;
  }

  /** The shortest PerfMon poll interval its daemons ask for; undefined while none knows one. */
  perfmonIntervalMs(): number | undefined {
    const each = [...this.daemons.values()].flatMap((d) => (d.perfmon?.intervalMs !== undefined ? [d.perfmon.intervalMs] : []));
    return each.length ? Math.min(...each) : undefined;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private add(id: string, queueKey: string, service: Service | undefined, daemon: DaemonKind | undefined): void {
    const label = service ? `${this.name} (${service})` : this.name;
    // Spans name the daemon the series do: the configured one, else the one detected.
    const daemonOf: () => string = daemon ? () => daemon : () => poller.snapshot.daemon;
    const endpoint = new Endpoint(this.transport, this.ctx.queues.get(queueKey), service, label, this.name, daemonOf);
    const { timeoutMs } = this.ctx.poll;
    const { log, publishHash, now } = this.ctx;
    const config = new DaemonConfigCache({ endpoint, timeoutMs, publishHash });
    const opts = { target: this.name, labels: this.config.labels, endpoint, config, timeoutMs, log, ...(now && { now }) };
    const poller: DaemonPoller = new DaemonPoller(daemon ? { ...opts, daemon } : opts);
    const statsOpts = { endpoint, status: () => poller.snapshot, daemonConfig: config, config: this.ctx.statistics, timeoutMs, log };
    const statistics = this.ctx.statistics.enabled && daemon !== 'ca' ? new StatisticsPoller(statsOpts) : undefined;
    const perfmon = this.ctx.statistics.enabled && daemon !== 'ca' && daemon !== 'd2' ? new PerfmonPoller(statsOpts) : undefined;
    this.daemons.set(`${this.name}|${id}`, { endpoint, config, poller, statistics, perfmon });
  }

  private discovers(): boolean {
    return this.config.kind === 'agent' && !this.config.services && !this.kea3;
  }

  /** A URL given without daemon or services: its first config-get tells a Control Agent, whose
   * control-sockets name the daemons behind it, from a Kea 3 daemon's own socket, which answers
   * for itself alone (it ignores `service`) and is polled as that daemon, with its statistics.
   * The agent's daemons then follow its configuration, read once per config hash. Returns
   * whether a daemon was added. */
  private discover(): boolean {
    if (!this.discovers()) return false;
    const self = this.daemons.get(this.selfKey)!;
    const cfg = self.config.latest;
    // Nothing new, or not the agent first seen (wrong_daemon): the services stay as they are.
    if (!cfg || cfg === this.servicesFrom || !self.poller.snapshot.up) return false;
    this.servicesFrom = cfg;
    if (cfg.kind !== 'ca') {
      this.kea3 = true;
      this.services = [];
      this.ctx.log.info({ target: this.name, daemon: cfg.kind }, "a Kea daemon's own HTTP control socket, not a Control Agent");
      return false;
    }
    const was = this.services;
    if (was && was.join() === cfg.services.join()) return false;
    const msg = was ? 'the services behind the Control Agent changed' : 'discovered services behind the Control Agent';
    this.ctx.log.info({ target: this.name, services: cfg.services }, msg);
    return this.setServices(cfg.services);
  }

  /** The daemons behind the agent are these now; returns whether one was added. */
  private setServices(services: readonly Service[]): boolean {
    const url = this.config.kind === 'agent' ? this.config.url : '';
    const was = this.services ?? [];
    this.services = services;
    for (const s of was.filter((x) => !services.includes(x))) {
      const key = `${this.name}|${s}`;
      const gone = this.daemons.get(key);
      this.daemons.delete(key);
      this.ctx.seriesGone?.(key);
      if (gone?.statistics) this.ctx.seriesGone?.(key + STATISTICS);
      if (gone?.perfmon) this.ctx.seriesGone?.(key + PERFMON);
    }
    const added = services.filter((s) => !was.includes(s));
    for (const s of added) this.add(s, `${url}#${s}`, s, s);
    return added.length > 0;
  }
}
