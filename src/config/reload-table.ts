import { canonicalJson } from '../kea/config-hash.js';
import { deepFreeze } from './load.js';
import type { Config } from './types.js';

/** How a changed setting reaches the running exporter:
 * - `live`: applied to the running state (scheduler plan, OTLP export); no target is rebuilt.
 * - `restart targets`: the targets are built anew (pollers, transports, queues), their series
 *   start again from their first poll; see rebuildsEveryTarget for which targets.
 * - `restart process`: bound at start-up (listeners, plugins, the renderer's naming); reported
 *   by the reload and applied at the next restart. Until then the running value stays in force
 *   (and in App.config). */
export type ReloadEffect = 'live' | 'restart targets' | 'restart process';

/** Every key of the configuration (its Config path: durations in ms), leaf or subtree, and what
 * a reload that changes it does. src/config/reload-table.test.ts fails when the file schema has a
 * key this table does not cover. */
export const RELOAD_TABLE = {
  listen: 'restart process', // the /metrics listener is bound once
  'poll.intervalMs': 'live', // the scheduler re-arms its timers
  'poll.background': 'live', // the scheduler starts or stops its timers
  'poll.timeoutMs': 'restart targets', // every poller holds it
  'poll.maxInFlight': 'restart targets', // queue limits and HTTP pool sizes
  'poll.maxAnswerBytes': 'restart targets', // every transport holds it
  'statistics.enabled': 'restart targets', // a target builds its statistics pollers or not
  'statistics.intervalMs': 'live', // the scheduler's statistics timers
  'statistics.perSubnet': 'restart targets', // held by the statistics pollers
  'statistics.perPool': 'restart targets',
  'statistics.subnets': 'restart targets',
  'statistics.maxSeries': 'restart targets',
  'statistics.naming': 'restart process', // the renderer declares its metric families once
  'proxy.enabled': 'restart process', // routes and listener are built at start-up
  'proxy.listen': 'restart process',
  'proxy.tls': 'restart process',
  'proxy.maxBodyBytes': 'restart process',
  'proxy.maxQueued': 'restart targets', // a limit of the per-daemon queues, built with the targets
  'proxy.timeoutMs': 'restart process',
  'proxy.maxAnswerBytesInFlight': 'restart process', // one budget for the process
  'proxy.rateLimit': 'restart process', // a fastify plugin, registered once
  'proxy.users': 'restart process', // the credentials the routes were built with
  'proxy.tokens': 'restart process',
  'proxy.roles': 'restart process',
  'proxy.agents': 'live', // read at each request, like the targets they name
  otel: 'live', // the OTLP export is shut down and started again with the new settings
  shard: 'restart targets', // picks the targets: those entering are built, those leaving stop
  hashKey: 'restart targets', // every poller publishes hashes with it
  targets: 'restart targets', // each target whose own entry changed
  probe: 'live', // the unconfigured targets /probe holds are dropped and start afresh
  modules: 'live', // likewise
} as const satisfies Record<string, ReloadEffect>;

export type ReloadKey = keyof typeof RELOAD_TABLE;
export const RELOAD_KEYS = Object.keys(RELOAD_TABLE) as ReloadKey[];

/** Keys that choose which targets run, each target judged by its own entry; every other
 * `restart targets` key is held by every target, so its change rebuilds them all. */
const TARGET_LIST_KEYS: readonly ReloadKey[] = ['targets', 'shard'];

export function rebuildsEveryTarget(key: ReloadKey): boolean {
  return RELOAD_TABLE[key] === 'restart targets' && !TARGET_LIST_KEYS.includes(key);
}

/** The value at a table key ('poll.intervalMs' -> config.poll.intervalMs). */
export function valueAt(config: Config, key: ReloadKey): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) v = v === undefined ? undefined : (v as Record<string, unknown>)[part];
  return v;
}

/** The table keys whose value differs between two configurations, in table order. */
export function changedKeys(prev: Config, next: Config): ReloadKey[] {
  return RELOAD_KEYS.filter((k) => canonicalJson(valueAt(prev, k)) !== canonicalJson(valueAt(next, k)));
}

/** `next` with the values of `keys` taken from `running`: what runs after a reload, when those
 * keys wait for a restart. Copies only the objects on the way to each key; the result is frozen. */
export function withRunning(next: Config, running: Config, keys: readonly ReloadKey[]): Config {
  if (keys.length === 0) return next;
  const root: Record<string, unknown> = { ...next };
  for (const key of keys) {
    const parts = key.split('.');
    const last = parts.pop()!;
    let into = root;
    for (const part of parts) into = into[part] = { ...(into[part] as Record<string, unknown>) };
    const v = valueAt(running, key);
    if (v === undefined) delete into[last];
    else into[last] = v;
  }
  return deepFreeze(root) as unknown as Config;
}
