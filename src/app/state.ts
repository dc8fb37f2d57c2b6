import { randomBytes } from 'node:crypto';
import { setupFailure } from '../config/files.js';
import { changedKeys, rebuildsEveryTarget, RELOAD_TABLE, withRunning, type ReloadEffect, type ReloadKey } from '../config/reload-table.js';
import type { Config } from '../config/types.js';
import { canonicalJson } from '../kea/config-hash.js';
import { hashPublisher, type HashPublisher } from '../kea/published-hash.js';
import type { Log } from '../log.js';
import type { SchedulerPlan } from '../poller/scheduler.js';
import { QueueRegistry } from '../queue/command-queue.js';
import { inShard } from '../targets/shard.js';
import { Target, type TargetContext } from '../targets/target.js';

/** Without a configured hashKey: one random key for the life of the process (every reload and
 * target keyed alike, so hashes stay comparable within this exporter). */
const PROCESS_HASH_KEY = randomBytes(32);

/** Everything a configuration runs with, built whole before it replaces the running one. Never
 * changed once built: a reload builds the next one and the App swaps its one reference. Targets
 * (and the queues they hold) that a reload keeps are the same objects in both. */
export interface AppState {
  /** What runs: the loaded file, but for `restart process` keys, which keep their running value. */
  readonly config: Config;
  readonly queues: QueueRegistry;
  /** This shard's targets, in config order. */
  readonly targets: readonly Target[];
  readonly plan: SchedulerPlan;
}

/** A state built from a new configuration, with what it changed against the running one. */
export interface Built {
  readonly state: AppState;
  /** Changed table keys, by effect (in table order). */
  readonly changes: Readonly<Record<ReloadEffect, readonly ReloadKey[]>>;
  /** Running targets the new state drops (removed, or rebuilt as new objects). */
  readonly dropped: readonly Target[];
  /** Targets built for it (not running yet). */
  readonly added: readonly Target[];
}

/** A target of a new configuration could not be built (its transport reads TLS files). The
 * message is safe to log and answer: key path and reason, no value. */
export class TargetSetupError extends Error {
  override readonly name = 'TargetSetupError';
}

/** Builds the state `next` needs, reading RELOAD_TABLE for what to keep from `running`: targets
 * are kept by identity unless their own entry or a key every target holds changed. Touches
 * nothing that runs. Throws (a TargetSetupError) when a target cannot be built, having closed
 * those it built. */
/** `seriesGone`: a daemon left a target at run time (an agent's configuration dropped it). */
export function buildState(next: Config, running: AppState | undefined, log: Log, seriesGone?: (key: string) => void): Built {
  const changed = running ? changedKeys(running.config, next) : [];
  const changes = { live: [], 'restart targets': [], 'restart process': [] } as Record<ReloadEffect, ReloadKey[]>;
  for (const k of changed) changes[RELOAD_TABLE[k]].push(k);
  const config = running ? withRunning(next, running.config, changes['restart process']) : next;
  const fresh = !running || changed.some(rebuildsEveryTarget);
  const queues = running && !fresh ? running.queues : newQueues(config);
  const keep = running && !fresh ? running.targets : [];
  const targets = buildTargets(config, keep, queues, log, seriesGone);
  return {
    state: { config, queues, targets, plan: schedulerPlan(config) },
    changes,
    dropped: running ? running.targets.filter((t) => !targets.includes(t)) : [],
    added: targets.filter((t) => !keep.includes(t)),
  };
}

/** The scheduler's part of a configuration (all of it `live` in the reload table). */
export function schedulerPlan(config: Config): SchedulerPlan {
  return {
    intervalMs: config.poll.intervalMs,
    background: config.poll.background,
    ...(config.statistics.enabled && { statisticsIntervalMs: config.statistics.intervalMs }),
  };
}

function newQueues(config: Config): QueueRegistry {
  return new QueueRegistry({ maxInFlight: config.poll.maxInFlight, maxQueued: config.proxy.maxQueued });
}

/** How the targets of a configuration key the config hashes they publish. */
export function publishHashFor(config: Config): HashPublisher {
  return hashPublisher(config.hashKey ?? PROCESS_HASH_KEY);
}

/** This shard's targets; one whose entry is unchanged and is in `keep` is that running Target. */
function buildTargets(config: Config, keep: readonly Target[], queues: QueueRegistry, log: Log, seriesGone?: (key: string) => void): Target[] {
  const ctx: TargetContext = {
    poll: config.poll,
    statistics: config.statistics,
    queues,
    log,
    publishHash: publishHashFor(config),
    ...(seriesGone && { seriesGone }),
  };
  const built: Target[] = [];
  config.targets.forEach((tc, index) => {
    if (!inShard(tc.name, config.shard)) return;
    const running = keep.find((t) => t.name === tc.name && canonicalJson(t.config) === canonicalJson(tc));
    if (running) return void built.push(running);
    try {
      built.push(new Target(tc, ctx));
    } catch (err) {
      // None of the new ones was polled yet; the kept ones still run and stay open.
      for (const t of built) if (!keep.includes(t)) void t.close().catch(() => undefined);
      throw new TargetSetupError(setupFailure(config, index, err));
    }
  });
  return built;
}
