import { KeaError, toKeaError } from '../errors.js';
import { expectSuccess } from '../kea/answer.js';
import { agentServices } from '../kea/config-kind.js';
import { configGetHash, parseConfigGet, parseConfigHash } from '../kea/config-hash.js';
import type { HashPublisher } from '../kea/published-hash.js';
import { sharedConfig, type SharedConfig } from '../kea/shared-config.js';
import { parseSubnets, type SubnetInfo } from '../kea/statistics/subnets.js';
import type { DaemonKind } from '../kea/types.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { ConfigHash } from '../snapshot.js';

/** A daemon a Control Agent forwards to. */
export type Service = Exclude<DaemonKind, 'ca'>;

/** What one config-get says about a daemon, read once per configuration (its hash). Every hash
 * in it is already keyed: the raw ones never leave this module. */
export interface DaemonConfig {
  /** The configuration's hash: Kea's own (carried by config-get, 2.4+) or, on 2.2, Kea's rule
   * applied to the text as printed. */
  readonly hash: ConfigHash;
  /** What answered: the top-level key (Dhcp4, Dhcp6, DhcpDdns, Control-agent). */
  readonly kind: DaemonKind;
  /** dhcp4 / dhcp6: subnets, their pools and shared networks, by subnet ID; empty otherwise. */
  readonly subnets: ReadonlyMap<number, SubnetInfo>;
  /** The hash without per-server fields, and the HA peers: comparable between partners. */
  readonly shared: SharedConfig | undefined;
  /** A Control Agent: the daemons behind it (its control-sockets); empty otherwise. */
  readonly services: readonly Service[];
}

export interface DaemonConfigOptions {
  endpoint: Endpoint;
  timeoutMs: number;
  /** Keys every hash before it is kept: only keyed hashes are ever published. */
  publishHash: HashPublisher;
}

const NO_SUBNETS: ReadonlyMap<number, SubnetInfo> = new Map();

/**
 * The one place a daemon's config-get is issued and read. The daemon poller decides when the
 * configuration may have changed (first contact, a restart, a commit) and asks for its hash;
 * config-get follows only for a hash not read yet, so each configuration is fetched once
 * whoever reads it (daemon poller, statistics poller, the target's agent discovery).
 */
export class DaemonConfigCache {
  private entry: DaemonConfig | undefined;
  private pending: Promise<DaemonConfig> | undefined;
  private failed: KeaError | undefined;
  /** How this daemon tells its hash: config-hash-get (2.4+) or config-get (2.2: result 2). */
  private mode: 'kea' | 'computed' | undefined;

  constructor(private readonly o: DaemonConfigOptions) {}

  /** The configuration of the last config-get that succeeded. */
  get latest(): DaemonConfig | undefined {
    return this.entry;
  }

  /** Why the last config-get failed; undefined once one succeeds. */
  get failure(): KeaError | undefined {
    return this.failed;
  }

  /** The configuration's hash now, as cheaply as the daemon allows: config-hash-get where Kea
   * has it; otherwise (2.2), or with `detect` (what answers is not known yet), config-get,
   * which also fills the cache. */
  async hash(detect: boolean): Promise<ConfigHash> {
    if (!detect && this.mode !== 'computed') {
      try {
        const hash = parseConfigHash(await this.run('config-hash-get'));
        this.mode = 'kea';
        return { hash: this.o.publishHash(hash), source: 'kea' };
      } catch (err) {
        if (!(err instanceof KeaError && err.code === 'unsupported')) throw err;
        this.mode = 'computed';
      }
    }
    return (await this.fetch()).hash;
  }

  /** The configuration with this (keyed) hash: the one read, else config-get now. The answer
   * may be newer than asked for (the configuration changed meanwhile). */
  async read(hash: string): Promise<DaemonConfig> {
    return this.entry?.hash.hash === hash ? this.entry : this.fetch();
  }

  /** The configuration whose hash is given, or the newest one when the last config-get worked;
   * undefined while the configuration that hash names could not be read. */
  usable(hash: string | undefined): DaemonConfig | undefined {
    if (this.entry && (this.entry.hash.hash === hash || !this.failed)) return this.entry;
    return undefined;
  }

  /** config-get, once at a time (callers meanwhile share it), parsed once. */
  private fetch(): Promise<DaemonConfig> {
    this.pending ??= this.configGet().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async configGet(): Promise<DaemonConfig> {
    try {
      const { answer, text } = await this.o.endpoint.commandText('config-get', this.o.timeoutMs);
      const args = expectSuccess(answer, `config-get on ${this.o.endpoint.label}`);
      const info = parseConfigGet(args);
      const raw = configGetHash(info, text);
      if (raw.source === 'kea') this.mode = 'kea';
      const kind = info.daemon;
      const shared = sharedConfig(args);
      this.entry = {
        hash: { hash: this.o.publishHash(raw.hash), source: raw.source },
        kind,
        subnets: kind === 'dhcp4' || kind === 'dhcp6' ? parseSubnets(args) : NO_SUBNETS,
        shared: shared && { hash: this.o.publishHash(shared.hash), haPeers: shared.haPeers },
        services: kind === 'ca' ? agentServices(args) : [],
      };
      this.failed = undefined;
      return this.entry;
    } catch (err) {
      this.failed = toKeaError(err);
      throw this.failed;
    }
  }

  private async run(command: string): Promise<unknown> {
    const answer = await this.o.endpoint.command(command, this.o.timeoutMs);
    return expectSuccess(answer, `${command} on ${this.o.endpoint.label}`);
  }
}
