import type { Config, TargetConfig } from '../config/types.js';
import { expectSuccess } from '../kea/answer.js';
import type { HashPublisher } from '../kea/published-hash.js';
import { DAEMONS, type DaemonKind } from '../kea/types.js';
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
      this.add('self', `${config.url}#self`, undefined, config.kind === 'agent' ? 'ca' : config.daemon);
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
    if (this.config.kind === 'agent') return this.pollers.get(`${this.name}|${service}`)?.endpoint;
    const daemon = this.config.daemon ?? self.snapshot.daemon;
    return daemon === service || daemon === 'unknown' ? self.endpoint : undefined;
  }

  /** One poll of every daemon of this target (different daemons in parallel: different queues).
   * With watch, a daemon whose poll is late behind proxied commands is reported busy meanwhile. */
  async poll(watch?: TargetWatch): Promise<Map<string, DaemonSnapshot>> {
    if (this.config.kind === 'agent' && !this.services) await this.discover();
    const each = (key: string): PollWatch | undefined => watch && { lateAfterMs: watch.lateAfterMs, onBusy: (s) => watch.onBusy(key, s) };
    const entries = await Promise.all([...this.pollers].map(async ([key, p]) => [key, await p.poll(each(key))] as const));
    return new Map(entries);
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
      onConfig: (args: unknown, hash: string, d: DaemonKind) => stats?.noteConfig(args, hash, d),
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

  /** The agent's control-sockets name the daemons behind it. Retried each cycle until it works. */
  private async discover(): Promise<void> {
    const self = this.pollers.get(`${this.name}|self`)!;
    try {
      const answer = await self.endpoint.command('config-get', this.ctx.poll.timeoutMs);
      const args = expectSuccess(answer, `config-get on ${this.name}`) as Record<string, unknown>;
      const agent = (args['Control-agent'] ?? {}) as { 'control-sockets'?: Record<string, unknown> };
      const names = Object.keys(agent['control-sockets'] ?? {});
      const services = DAEMONS.filter((d): d is Service => d !== 'ca' && names.includes(d));
      this.ctx.log.info({ target: this.name, services }, 'discovered services behind the Control Agent');
      this.addServices(services);
    } catch {
      // The agent's own poll reports why it is unreachable.
    }
  }
}
