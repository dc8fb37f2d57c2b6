import { KeaError, toKeaError, type ErrorCode } from '../errors.js';
import { expectSuccess } from '../kea/answer.js';
import { configGetHash, parseConfigGet, parseConfigHash } from '../kea/config-hash.js';
import type { HashPublisher } from '../kea/published-hash.js';
import { sharedConfig, type SharedConfig } from '../kea/shared-config.js';
import { parseStatus } from '../kea/status.js';
import { parseVersion } from '../kea/version.js';
import type { DaemonKind } from '../kea/types.js';
import type { ConfigHash, DaemonSnapshot, Status } from '../snapshot.js';
import type { Endpoint } from '../targets/endpoint.js';
import type { Log } from '../log.js';
import { ATTR, SpanStatusCode, traced } from '../telemetry/tracing.js';
import { watchLate, type PollWatch } from './late-watch.js';

/** Kea reports whole seconds; start or commit times moving by more than this are real. */
const SLACK_S = 1.5;

export interface PollerOptions {
  target: string;
  daemon?: DaemonKind;
  labels: Readonly<Record<string, string>>;
  endpoint: Endpoint;
  timeoutMs: number;
  log: Log;
  /** Keys every config hash before it enters a snapshot: snapshots are what gets published. */
  publishHash: HashPublisher;
  now?: () => number;
  /** Told about every config-get this poller fetches, so others need not fetch it again. */
  onConfig?: (configGetArgs: unknown, hash: string, daemon: DaemonKind) => void;
}

/** Polls one daemon with as few commands as possible: status-get each cycle; version-get at first
 * contact and after a restart; the config hash at first contact and after a config commit. */
export class DaemonPoller {
  private snap: DaemonSnapshot;
  private daemon: DaemonKind | undefined;
  private prev?: { status: Status; at: number };
  private hashMode: 'kea' | 'computed' | undefined;
  private needVersion = true;
  private needHash = true;
  /** The config hash last fetched (keyed), even one found to be another daemon's. */
  private latest: ConfigHash | undefined;
  /** The config hash whose config-get was read last: what answers, and sharedConfig, are known for it. */
  private readFor: string | undefined;
  /** Set when that config-get was another daemon's than expected (wrong_daemon until it changes). */
  private found: DaemonKind | undefined;
  private reads = 0;
  private shared: SharedConfig | undefined;
  private sharedFailing = false;
  private readonly now: () => number;

  constructor(private readonly o: PollerOptions) {
    this.daemon = o.daemon;
    this.now = o.now ?? Date.now;
    this.snap = {
      target: o.target,
      daemon: o.daemon ?? 'unknown',
      labels: o.labels,
      transport: o.endpoint.transport.kind,
      up: false,
      configChanges: 0,
      haTransitions: {},
      commandErrors: {},
    };
  }

  get snapshot(): DaemonSnapshot {
    return this.snap;
  }

  get endpoint(): Endpoint {
    return this.o.endpoint;
  }

  /** One poll cycle in a span (its commands are child spans); never throws. Returns the new
   * snapshot. With watch, a poll held up past its interval by proxied commands reports the
   * daemon busy (watch.onBusy) while it waits, keeping the last known state. */
  poll(watch?: PollWatch): Promise<DaemonSnapshot> {
    const attributes = { [ATTR.target]: this.o.target, [ATTR.daemon]: this.snap.daemon };
    return traced('kea poll', attributes, async (span) => {
      const next = await this.pollOnce(watch);
      if (span.isRecording()) {
        span.setAttributes({ [ATTR.daemon]: next.daemon, [ATTR.up]: next.up });
        if (next.error) span.setStatus({ code: SpanStatusCode.ERROR, message: `${next.error.code}: ${next.error.message}` });
      }
      return next;
    });
  }

  private async pollOnce(watch: PollWatch | undefined): Promise<DaemonSnapshot> {
    const started = this.now();
    const late = watch && watchLate(this.o.endpoint.queue, watch.lateAfterMs, () => this.markBusy(watch.onBusy));
    const next: DaemonSnapshot = { ...this.snap, polledAt: started };
    let command = 'status-get';
    try {
      const status = parseStatus(await this.run('status-get'));
      // Kea's uptime and reload are as of its answer, not of the poll's start: a poll that waited
      // behind proxied commands would otherwise see the start time move and take it for a restart.
      const answeredAt = this.now();
      const restarted = this.noticeRestartAndReload(status, answeredAt);
      if (this.needVersion) {
        command = 'version-get';
        next.version = parseVersion(await this.o.endpoint.command('version-get', this.o.timeoutMs));
        this.needVersion = false;
      }
      const reads = this.reads;
      if (this.needHash) {
        command = 'config-hash';
        this.latest = await this.fetchHash();
        this.needHash = false;
      }
      const hash = this.latest!; // needHash is set until the first hash is had
      // One config-get per configuration (its hash encodes the top-level key): what answers.
      if (this.readFor !== hash.hash) {
        command = 'config-get';
        await this.fetchConfig(next);
      }
      if (this.found) {
        // Until the hash changes or Kea restarts nothing more is sent, but restarts must be seen.
        this.prev = { status, at: answeredAt };
        if (this.reads === reads) command = '';
        throw new KeaError('wrong_daemon', `${this.o.endpoint.label} answers as ${this.found}, ${this.o.daemon ? 'configured' : 'detected at first contact'} as ${this.daemon}`);
      }
      if (next.configHash?.hash !== hash.hash) {
        if (next.configHash) next.configChanges = this.snap.configChanges + 1;
        // The commit time Kea reports (reload) dates the configuration better than our poll does.
        next.lastConfigChangeAt = Math.round(answeredAt / 1000 - status.reload) * 1000;
        next.configHash = hash;
      }
      next.sharedConfig = this.shared;
      next.haTransitions = this.countTransitions(status);
      next.daemon = this.daemon ?? 'unknown';
      next.status = status;
      // Kea's whole-second uptime would make a derived start time jitter; keep it until a restart.
      if (restarted || next.startTime === undefined) next.startTime = Math.round(answeredAt / 1000 - status.uptime);
      next.up = true;
      next.lastSuccessAt = this.now();
      delete next.error;
      this.prev = { status, at: answeredAt };
    } catch (err) {
      const e = toKeaError(err);
      next.up = false;
      next.error = { code: e.code, message: e.message };
      // A wrong daemon already counted is not counted again on polls that sent nothing to tell.
      if (command) next.commandErrors = bump(this.snap.commandErrors, command, e.code);
    }
    next.pollDurationSeconds = (this.now() - started) / 1000;
    this.settleBusy(next, late?.stop() ?? false);
    this.logChange(next);
    this.snap = next;
    return next;
  }

  /** The poll is late behind proxied commands: the daemon reads busy now, everything else as
   * last known (kea_up included), until the poll lands. */
  private markBusy(onBusy: PollWatch['onBusy']): void {
    const ctx = { target: this.snap.target, daemon: this.snap.daemon };
    if (!this.snap.busy) this.o.log.warn({ ...ctx, reason: 'busy' }, 'daemon busy: the poll waits behind proxied commands');
    this.snap = { ...this.snap, busy: true, delayedPolls: (this.snap.delayedPolls ?? 0) + 1 };
    try {
      onBusy(this.snap);
    } catch (err) {
      // Called from a timer: nothing may escape; the poll's own result is rendered when it lands.
      this.o.log.error({ ...ctx, err: err instanceof Error ? err.message : String(err) }, 'could not publish the busy state');
    }
  }

  /** A late poll keeps the daemon busy until one lands on time. */
  private settleBusy(next: DaemonSnapshot, late: boolean): void {
    if (this.snap.busy && !late) this.o.log.info({ target: next.target, daemon: next.daemon }, 'daemon no longer busy: polled on time');
    next.busy = late;
    next.delayedPolls = this.snap.delayedPolls ?? 0;
  }

  private async run(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const answer = await this.o.endpoint.command(command, this.o.timeoutMs, args);
    return expectSuccess(answer, `${command} on ${this.o.endpoint.label}`);
  }

  /** config-get: its arguments, and the raw hash of the configuration they show. */
  private async configGet(): Promise<{ args: unknown; daemon: DaemonKind; hash: ConfigHash }> {
    const { answer, text } = await this.o.endpoint.commandText('config-get', this.o.timeoutMs);
    const args = expectSuccess(answer, `config-get on ${this.o.endpoint.label}`);
    const info = parseConfigGet(args);
    return { args, daemon: info.daemon, hash: configGetHash(info, text) };
  }

  /** Flags what must be fetched again; returns whether the daemon restarted. */
  private noticeRestartAndReload(s: Status, at: number): boolean {
    const p = this.prev;
    if (!p) return false;
    const started = at / 1000 - s.uptime;
    const wasStarted = p.at / 1000 - p.status.uptime;
    const restarted = s.pid !== p.status.pid || started > wasStarted + SLACK_S;
    if (restarted) {
      this.needVersion = true;
      this.needHash = true;
    }
    const committed = at / 1000 - s.reload;
    const wasCommitted = p.at / 1000 - p.status.reload;
    if (s.reload < p.status.reload || committed > wasCommitted + SLACK_S) this.needHash = true;
    return restarted;
  }

  /** config-hash-get where Kea has it (2.4+); otherwise (2.2 answers result 2), or when the
   * daemon type is still unknown, config-get and the hash it carries or Kea's rule gives. */
  private async fetchHash(): Promise<ConfigHash> {
    if (this.daemon && this.hashMode !== 'computed') {
      try {
        const hash = parseConfigHash(await this.run('config-hash-get'));
        this.hashMode = 'kea';
        return { hash: this.o.publishHash(hash), source: 'kea' };
      } catch (err) {
        if (!(err instanceof KeaError && err.code === 'unsupported')) throw err;
        this.hashMode = 'computed';
      }
    }
    const { args, daemon, hash } = await this.configGet();
    if (hash.source === 'kea') this.hashMode = 'kea';
    this.readConfig(args, hash.hash, daemon);
    return { hash: this.o.publishHash(hash.hash), source: hash.source };
  }

  /** Kea 2.4+ hashes without config-get; what answers, and the shared hash, need it once per
   * configuration. A failure is counted but keeps the daemon up as configured: the next poll
   * tries again. */
  private async fetchConfig(next: DaemonSnapshot): Promise<void> {
    try {
      const { args, daemon, hash } = await this.configGet();
      this.readConfig(args, hash.hash, daemon);
      this.sharedFailing = false;
    } catch (err) {
      const e = toKeaError(err);
      // One line when it starts failing, not one per poll while it keeps failing.
      if (!this.sharedFailing) this.o.log.warn({ target: next.target, err: e.message }, 'config-get failed');
      this.sharedFailing = true;
      next.commandErrors = bump(next.commandErrors, 'config-get', e.code);
    }
  }

  /** What a config-get says: the daemon that answers (the configured kind, else the one detected
   * at first contact, must match: a socket or URL can lead to another daemon than meant) and,
   * when it matches, the shared hash and the config for the others. `rawHash`: the daemon's own
   * hash (on 2.2 Kea's rule over the printed config); only its keyed form leaves this poller. */
  private readConfig(args: unknown, rawHash: string, daemon: DaemonKind): void {
    this.reads++;
    this.readFor = this.o.publishHash(rawHash);
    this.found = this.daemon && daemon !== this.daemon ? daemon : undefined;
    if (this.found) return; // another daemon's configuration: nothing of it is kept or handed on
    this.daemon = daemon;
    this.o.endpoint.daemon = daemon;
    const shared = sharedConfig(args);
    this.shared = shared && { hash: this.o.publishHash(shared.hash), haPeers: shared.haPeers };
    this.o.onConfig?.(args, this.readFor, daemon);
  }

  private countTransitions(s: Status): Readonly<Record<string, number>> {
    const before = this.prev?.status.ha ?? [];
    let counts = this.snap.haTransitions;
    for (const rel of s.ha) {
      const old = before.find((r) => r.relationship === rel.relationship);
      if (old && old.local.state !== rel.local.state) {
        counts = { ...counts, [rel.relationship]: (counts[rel.relationship] ?? 0) + 1 };
      }
    }
    return counts;
  }

  /** One log line per state change, never one per poll. */
  private logChange(next: DaemonSnapshot): void {
    const was = this.snap;
    const ctx = { target: next.target, daemon: next.daemon };
    if (next.up && !was.up) {
      this.o.log.info({ ...ctx, version: next.version }, was.polledAt ? 'daemon is back up' : 'daemon is up');
    } else if (!next.up && (was.up || was.error?.code !== next.error?.code || !was.polledAt)) {
      this.o.log.warn({ ...ctx, reason: next.error?.code, err: next.error?.message }, 'daemon is down');
    }
    if (next.up && was.configHash && next.configHash?.hash !== was.configHash.hash) {
      this.o.log.info({ ...ctx, hash: next.configHash?.hash }, 'configuration changed');
    }
  }
}

function bump(
  errors: DaemonSnapshot['commandErrors'],
  command: string,
  code: ErrorCode,
): DaemonSnapshot['commandErrors'] {
  const byReason = errors[command] ?? {};
  return { ...errors, [command]: { ...byReason, [code]: (byReason[code] ?? 0) + 1 } };
}
