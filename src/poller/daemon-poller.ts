import { KeaError, toKeaError, type ErrorCode } from '../errors.js';
import { expectSuccess } from '../kea/answer.js';
import { parseStatus } from '../kea/status.js';
import { parseVersion } from '../kea/version.js';
import type { DaemonKind } from '../kea/types.js';
import type { ConfigHash, DaemonSnapshot, Status } from '../snapshot.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { Log } from '../log.js';
import { ATTR, SpanStatusCode, traced } from '../telemetry/tracing.js';
import { loopStalledMs } from '../transport/deadline.js';
import type { DaemonConfig, DaemonConfigCache } from './daemon-config.js';
import { watchLate, type PollWatch } from './late-watch.js';

/** Kea reports whole seconds; start or commit times moving by more than this are real. */
const SLACK_S = 1.5;

export interface PollerOptions {
  target: string;
  daemon?: DaemonKind;
  labels: Readonly<Record<string, string>>;
  endpoint: Endpoint;
  /** This daemon's configuration, read once per config hash (shared with its other readers). */
  config: DaemonConfigCache;
  timeoutMs: number;
  log: Log;
  now?: () => number;
}

/** Polls one daemon with as few commands as possible: status-get each cycle; version-get at first
 * contact and after a restart; the config hash at first contact and after a restart or a config
 * commit; config-get (through the config cache) once per hash. */
export class DaemonPoller {
  private snap: DaemonSnapshot;
  private daemon: DaemonKind | undefined;
  private prev?: { status: Status; at: number };
  private needVersion = true;
  private needHash = true;
  /** The config hash last fetched (keyed), even one found to be another daemon's. */
  private latest: ConfigHash | undefined;
  /** The configuration last judged (the daemon that answers it): a wrong daemon is counted
   * once per config-get read, not on every poll that sends nothing to tell. */
  private judged: DaemonConfig | undefined;
  private configFailing = false;
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
      const stalledBefore = loopStalledMs();
      const status = parseStatus(await this.run('status-get'));
      // Kea's uptime and reload are as of its answer, not of the poll's start: a poll that waited
      // behind proxied commands would otherwise see the start time move and take it for a restart.
      const answeredAt = this.now();
      // And an answer our stalled event loop read late (a long render) is older than it looks.
      const lateS = (loopStalledMs() - stalledBefore) / 1000;
      const restarted = this.noticeRestartAndReload(status, answeredAt, lateS);
      if (this.needVersion) {
        command = 'version-get';
        next.version = parseVersion(await this.o.endpoint.command('version-get', this.o.timeoutMs));
        this.needVersion = false;
      }
      if (this.needHash) {
        command = 'config-hash';
        // While what answers is unknown, config-get tells it and the hash at once.
        this.latest = await this.o.config.hash(this.daemon === undefined);
        this.needHash = false;
      }
      // One config-get per configuration (its hash encodes the top-level key): what answers.
      if (this.o.config.latest?.hash.hash !== this.latest!.hash) {
        command = 'config-get';
        await this.readConfig(next);
      }
      const hash = this.latest!; // needHash is set until the first hash is had
      // The last configuration read (an older one while config-get fails): who answers it.
      const cfg = this.o.config.latest;
      const fresh = cfg !== this.judged;
      this.judged = cfg;
      if (cfg && this.daemon && cfg.kind !== this.daemon) {
        // Until the hash changes or Kea restarts nothing more is sent, but restarts must be seen.
        this.prev = { status, at: answeredAt };
        if (!fresh) command = '';
        throw new KeaError(
          'wrong_daemon',
          `${this.o.endpoint.label} answers as ${cfg.kind}, ${this.o.daemon ? 'configured' : 'detected at first contact'} as ${this.daemon}`,
        );
      }
      if (cfg) this.daemon = cfg.kind;
      if (next.configHash?.hash !== hash.hash) {
        if (next.configHash) next.configChanges = this.snap.configChanges + 1;
        // The commit time Kea reports (reload) dates the configuration better than our poll does.
        next.lastConfigChangeAt = Math.round(answeredAt / 1000 - status.reload) * 1000;
        next.configHash = hash;
      }
      if (cfg?.shared) next.sharedConfig = cfg.shared;
      else delete next.sharedConfig;
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
      if (command) next.commandErrors = bump(next.commandErrors, command, e.code);
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

  /** Flags what must be fetched again; returns whether the daemon restarted. `lateS`: how much
   * later than Kea answered the answer may have been read. */
  private noticeRestartAndReload(s: Status, at: number, lateS: number): boolean {
    const p = this.prev;
    if (!p) return false;
    const started = at / 1000 - s.uptime;
    const wasStarted = p.at / 1000 - p.status.uptime;
    const restarted = s.pid !== p.status.pid || started > wasStarted + SLACK_S + lateS;
    if (restarted) {
      this.needVersion = true;
      this.needHash = true;
    }
    const committed = at / 1000 - s.reload;
    const wasCommitted = p.at / 1000 - p.status.reload;
    if (s.reload < p.status.reload || committed > wasCommitted + SLACK_S + lateS) this.needHash = true;
    return restarted;
  }

  /** Kea 2.4+ hashes without config-get; what answers, and the shared hash, need it once per
   * configuration. A failure is counted but keeps the daemon up as configured: the next poll
   * tries again. An answer newer than the hash asked for (a commit meanwhile) is taken as is. */
  private async readConfig(next: DaemonSnapshot): Promise<void> {
    try {
      this.latest = (await this.o.config.read(this.latest!.hash)).hash;
      this.configFailing = false;
    } catch (err) {
      const e = toKeaError(err);
      // One line when it starts failing, not one per poll while it keeps failing.
      if (!this.configFailing) this.o.log.warn({ target: next.target, err: e.message }, 'config-get failed');
      this.configFailing = true;
      next.commandErrors = bump(next.commandErrors, 'config-get', e.code);
    }
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

function bump(errors: DaemonSnapshot['commandErrors'], command: string, code: ErrorCode): DaemonSnapshot['commandErrors'] {
  const byReason = errors[command] ?? {};
  return { ...errors, [command]: { ...byReason, [code]: (byReason[code] ?? 0) + 1 } };
}
