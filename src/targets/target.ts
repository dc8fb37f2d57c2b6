import type { Config, TargetConfig } from '../config/types.js';
import { agentServices } from '../kea/config-kind.js';
import type { HashPublisher } from '../kea/published-hash.js';
import type { DaemonKind } from '../kea/types.js';
import type { Log } from '../log.js';
import { DaemonPoller } from '../poller/daemon-poller.js';
import type { PollWatch } from '../poller/late-watch.js';
import type { QueueRegistry } from '../queue/command-queue.js';
import type { DaemonSnapshot, StatisticsSnapshot } from '../snapshot.js';
import { StatisticsPoller } from '../poller/statistics-poller.js';
import { HttpTransport } from '../transport/http.js';
import type { Transport } from '../transport/transport.js';
import { UnixTransport } from '../transport/unix.js';
import { Endpoint } from './endpoint.js';

type Service = Exclude<DaemonKind, 'ca'>;

export interface TargetContext {
  poll: Config['poll'];
  statistics: Config['statistics'];
  queues: QueueRegistry;
  log: Log;
  publishHash: HashPublisher;
}

/** PollWatch for every daemon of a target: the busy snapshot comes with its key. */
export interface TargetWatch {
  lateAfterMs: number;
  onBusy: (key: string, s: DaemonSnapshot) => void;
}

/** One configured target and the daemons reached through it: one for a socket or a Kea 3 HTTP
 * socket; the agent itself plus each service behind it for a Control Agent. */
export class Target {
  readonly name: string;
  private readonly pollers = new Map<string, DaemonPoller>();
  private readonly statistics = new Map<string, StatisticsPoller>();
  private readonly transport: Transport;
  private services: readonly Service[] | undefined;
  /** A URL without daemon turned out to be a Kea 3 daemon's own socket. */
  private kea3 = false;

  constructor(
    readonly config: TargetConfig,
    private readonly ctx: TargetContext,
  ) {
    this.name = config.name;
    const { poll } = ctx;
    if (config.kind === 'socket') {
      this.transport = new UnixTransport(config.socket, poll.maxAnswerBytes);
      this.add('self', `unix:${config.socket}`, undefined, config.daemon);
    } else {
      // One pool per target bounds the connections to it: a slot per daemon behind it.
      const daemons = config.kind === 'agent' ? 1 + 3 : 1;
      this.transport = new HttpTransport(config, poll.maxInFlight * daemons, poll.maxAnswerBytes);
      // A URL without daemon or services may be a Control Agent or a Kea 3 daemon's own socket:
      // what answers is detected from its config-get at first contact (see onSelfConfig).
      const self = config.kind === 'http' ? config.daemon : config.services ? 'ca' : undefined;
      this.add('self', `${config.url}#self`, undefined, self);
      if (config.kind === 'agent' && config.services) this.addServices(config.services);
    }
  }

  /** Key of each daemon's snapshot: stable across polls and reloads. */
  keys(): string[] {
    return [...this.pollers.keys()];
  }

  /** Keys of every series owner: the daemons, and their statistics. */
  seriesKeys(): string[] {
    return [...this.pollers.keys(), ...this.statistics.keys()];
  }

  snapshotsByKey(): [string, DaemonSnapshot][] {
    return [...this.pollers].map(([key, p]) => [key, p.snapshot]);
  }

  snapshots(): DaemonSnapshot[] {
    return [...this.pollers.values()].map((p) => p.snapshot);
  }

  endpoints(): Endpoint[] {
    return [...this.pollers.values()].map((p) => p.endpoint);
  }

  /** Where a proxied command goes: without service, the target itself (a socket's daemon, a
   * Kea 3 socket, or the agent); with one, the daemon named, if this target reaches it. */
  endpointFor(service: string | undefined): Endpoint | undefined {
    const self = this.pollers.get(`${this.name}|self`)!;
    if (service === undefined) return self.endpoint;
    if (this.config.kind === 'agent' && !this.kea3) return this.pollers.get(`${this.name}|${service}`)?.endpoint;
    const daemon = this.config.kind === 'agent' ? self.snapshot.daemon : this.config.daemon ?? self.snapshot.daemon;
    return daemon === service || daemon === 'unknown' ? self.endpoint : undefined;
  }

  /** One poll of every daemon of this target (different daemons in parallel: different queues).
   * With watch, a daemon whose poll is late behind proxied commands is reported busy meanwhile. */
  async poll(watch?: TargetWatch): Promise<Map<string, DaemonSnapshot>> {
    const each = (key: string): PollWatch | undefined => watch && { lateAfterMs: watch.lateAfterMs, onBusy: (s) => watch.onBusy(key, s) };
    const polled = new Map<string, DaemonSnapshot>();
    if (this.config.kind === 'agent' && !this.services) {
      // Its own poll tells what answers (and, for an agent, the services) before they are polled.
      const key = `${this.name}|self`;
      polled.set(key, await this.pollers.get(key)!.poll(each(key)));
    }
    const rest = [...this.pollers].filter(([key]) => !polled.has(key));
    const entries = await Promise.all(rest.map(async ([key, p]) => [key, await p.poll(each(key))] as const));
    for (const [key, s] of entries) polled.set(key, s);
    return polled;
  }

  /** One statistic-get-all of every DHCP/DDNS daemon of this target that is up. */
  async pollStatistics(): Promise<Map<string, StatisticsSnapshot>> {
    const entries = await Promise.all([...this.statistics].map(async ([key, p]) => [key, await p.poll()] as const));
    return new Map(entries.filter((e): e is [string, StatisticsSnapshot] => e[1] !== undefined));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private add(id: string, queueKey: string, service: Service | undefined, daemon: DaemonKind | undefined): void {
    const label = service ? `${this.name} (${service})` : this.name;
    const endpoint = new Endpoint(this.transport, this.ctx.queues.get(queueKey), service, label, this.name, daemon ?? service);
    const labels = this.config.labels;
    const key = `${this.name}|${id}`;
    const { timeoutMs } = this.ctx.poll;
    let stats: StatisticsPoller | undefined;
    const opts = {
      target: this.name, labels, endpoint, timeoutMs, log: this.ctx.log, publishHash: this.ctx.publishHash,
      onConfig: (args: unknown, hash: string, d: DaemonKind) => {
        if (id === 'self' && !this.services) this.onSelfConfig(args, d);
        stats?.noteConfig(args, hash, d);
      },
    };
    const poller = new DaemonPoller(daemon ? { ...opts, daemon } : opts);
    this.pollers.set(key, poller);
    if (this.ctx.statistics.enabled && daemon !== 'ca') {
      const config = this.ctx.statistics;
      stats = new StatisticsPoller({ endpoint, status: () => poller.snapshot, config, timeoutMs, log: this.ctx.log });
      this.statistics.set(`${key}#statistics`, stats);
    }
  }

  private addServices(services: readonly Service[]): void {
    this.services = services;
    if (this.config.kind !== 'agent') return;
    for (const s of services) this.add(s, `${this.config.url}#${s}`, s, s);
  }

  /** The first config-get of a URL given without daemon or services: a Control Agent's names
   * the daemons behind it; a Kea 3 daemon's own socket answers for itself alone (it ignores
   * `service`), so it is polled as that daemon, with its statistics, and has no services. */
  private onSelfConfig(args: unknown, daemon: DaemonKind): void {
    if (this.config.kind !== 'agent') return;
    if (daemon === 'ca') {
      const services = agentServices(args);
      this.ctx.log.info({ target: this.name, services }, 'discovered services behind the Control Agent');
      this.addServices(services);
    } else {
      this.kea3 = true;
      this.ctx.log.info({ target: this.name, daemon }, 'a Kea daemon\'s own HTTP control socket, not a Control Agent');
      this.services = [];
    }
  }
}
