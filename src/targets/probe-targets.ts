/** Targets GET /probe builds for addresses that are not in the file (`module=`): blackbox style,
 * Prometheus' service discovery names them. Bounded: at most `probe.maxTargets` held at once
 * (the least recently probed idle one makes room), each dropped `probe.idleAfter` after its
 * last probe, with its pollers, queues, connections and last results. */
import type { Config, ModuleConfig, TargetConfig } from '../config/types.js';
import { addressText, allowed, parseProbeAddress, type ProbeAddress } from '../config/probe-address.js';
import type { HashPublisher } from '../kea/published-hash.js';
import type { Log } from '../log.js';
import { CommandQueue, type QueueRegistry, type Queues } from '../queue/command-queue.js';
import type { StatisticsSnapshot } from '../snapshot.js';
import { Target } from './target.js';

/** Why an address is not probed: `unknown_module`, `invalid_target` (400), `not_allowed` (403),
 * `full` (503: every held target is being probed), `setup` (its module's TLS files failed). */
export type ProbeRefusal = 'unknown_module' | 'invalid_target' | 'not_allowed' | 'full' | 'setup';

export interface ProbeTargetsOptions {
  config: Pick<Config, 'poll' | 'statistics' | 'probe' | 'modules'>;
  /** The file's targets' queues: an address one of them reaches shares its queue (one gate per daemon). */
  queues: QueueRegistry;
  log: Log;
  publishHash: HashPublisher;
  /** Held targets changed in number (a gauge). */
  onSize?: (n: number) => void;
  now?: () => number;
}

interface Entry {
  readonly key: string;
  readonly target: Target;
  /** Latest statistics by series key. */
  readonly stats: Map<string, StatisticsSnapshot>;
  /** Queue keys it took from `own`. */
  readonly queueKeys: string[];
  /** Probes and polls in progress: never dropped while above 0. */
  users: number;
  lastUsed: number;
}

export type Acquired = { target: Target; release: () => void } | { refused: ProbeRefusal; message: string };

export class ProbeTargets {
  /** In order of last use (an entry is moved to the end when used): the first idle one is the LRU. */
  private readonly entries = new Map<string, Entry>();
  private readonly byTarget = new Map<Target, Entry>();
  private readonly own = new Map<string, { queue: CommandQueue; users: number }>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: ProbeTargetsOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether t is one of these (not a target of the file). */
  owns(t: Target): boolean {
    return this.byTarget.has(t);
  }

  /** The target for this address and module, held until release(); or why not. Nothing is sent
   * to the address before it passed probe.allow. */
  acquire(moduleName: string, target: string): Acquired {
    const module = Object.hasOwn(this.o.config.modules, moduleName) ? this.o.config.modules[moduleName] : undefined;
    if (!module) return { refused: 'unknown_module', message: 'unknown module (not under modules in the configuration)' };
    const address = parseProbeAddress(target);
    if ('invalid' in address) return { refused: 'invalid_target', message: `invalid target: ${address.invalid}` };
    if (!allowed(this.o.config.probe.allow, address)) return { refused: 'not_allowed', message: 'target not allowed by probe.allow' };
    const key = `${moduleName}\n${addressText(address)}`;
    let entry = this.entries.get(key);
    if (entry)
      this.entries.delete(key); // re-inserted below: now the most recent
    else {
      if (this.closed || (this.entries.size >= this.o.config.probe.maxTargets && !this.dropLeastRecent())) {
        return { refused: 'full', message: 'probe.maxTargets targets are held and all are being probed; retry' };
      }
      try {
        entry = this.build(key, address, module);
      } catch {
        return { refused: 'setup', message: "the module's TLS files cannot be read" };
      }
      this.byTarget.set(entry.target, entry);
      this.arm();
    }
    this.entries.set(key, entry);
    this.o.onSize?.(this.entries.size);
    const e = entry;
    e.users++;
    let released = false;
    return { target: e.target, release: () => void (!released && ((released = true), this.unuse(e))) };
  }

  /** One poll: status, then statistics where the module reads them. Never rejects. */
  async poll(t: Target): Promise<void> {
    const e = this.byTarget.get(t);
    if (!e) return;
    e.users++;
    try {
      await t.poll();
      for (const [key, s] of await t.pollStatistics()) e.stats.set(key, s);
    } catch {
      // A failed poll is in the daemons' snapshots (kea_up 0); a throw would be a bug, not a probe's concern.
    } finally {
      this.unuse(e);
    }
  }

  /** The target's latest statistics snapshot of a series key. */
  statistics(t: Target, key: string): StatisticsSnapshot | undefined {
    return this.byTarget.get(t)?.stats.get(key);
  }

  /** Drops every target (a reload, the exporter stopping). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.entries.values()];
    for (const e of all) this.drop(e);
    await Promise.all(all.map((e) => e.target.close().catch(() => undefined)));
  }

  /** Drops the targets idle for probe.idleAfter (also run by a timer). */
  sweep(): void {
    const before = this.now() - this.o.config.probe.idleAfterMs;
    for (const e of [...this.entries.values()]) if (e.users === 0 && e.lastUsed <= before) this.dropAndClose(e);
  }

  private unuse(e: Entry): void {
    e.users--;
    e.lastUsed = this.now();
  }

  private build(key: string, address: ProbeAddress, m: ModuleConfig): Entry {
    const queueKeys: string[] = [];
    const queues: Queues = {
      get: (qk) => {
        const shared = this.o.queues.peek(qk);
        if (shared) return shared;
        let q = this.own.get(qk);
        if (!q) this.own.set(qk, (q = { queue: new CommandQueue(this.o.queues.limits), users: 0 }));
        q.users++;
        queueKeys.push(qk);
        return q.queue;
      },
    };
    const { poll, statistics } = this.o.config;
    const ctx = { poll, statistics: { ...statistics, ...m.statistics }, queues, log: this.o.log, publishHash: this.o.publishHash };
    const target = new Target(targetConfig(address, m), ctx);
    return { key, target, stats: new Map(), queueKeys, users: 0, lastUsed: this.now() };
  }

  /** Makes room: the least recently probed target nobody probes now; false if there is none. */
  private dropLeastRecent(): boolean {
    for (const e of this.entries.values()) {
      if (e.users === 0) {
        this.dropAndClose(e);
        return true;
      }
    }
    return false;
  }

  private dropAndClose(e: Entry): void {
    this.drop(e);
    void e.target.close().catch(() => undefined);
  }

  private drop(e: Entry): void {
    this.entries.delete(e.key);
    this.byTarget.delete(e.target);
    for (const qk of e.queueKeys) {
      const q = this.own.get(qk);
      if (q && --q.users === 0) this.own.delete(qk);
    }
    this.o.onSize?.(this.entries.size);
    if (this.entries.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private arm(): void {
    if (this.sweeper) return;
    // Dropped within 1.25 x idleAfter of the last probe (within a minute past it, by default).
    const every = Math.max(100, Math.min(this.o.config.probe.idleAfterMs / 4, 60_000));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }
}

/** What a target entry of the file would say for this address under this module. */
export function targetConfig(address: ProbeAddress, m: ModuleConfig): TargetConfig {
  const base = { name: addressText(address), labels: m.labels };
  if (address.kind === 'socket') return { kind: 'socket', ...base, socket: address.socket, ...(m.daemon && { daemon: m.daemon }) };
  // TLS settings mean nothing to an http: URL; a module may serve both kinds.
  const tls = address.url.startsWith('https:') ? m.tls : undefined;
  const http = { url: address.url, ...(m.auth && { auth: m.auth }), ...(tls && { tls }) };
  if (m.daemon !== undefined) return { kind: 'http', ...base, ...http, daemon: m.daemon };
  return { kind: 'agent', ...base, ...http };
}
