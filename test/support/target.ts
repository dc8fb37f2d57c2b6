/** A real Target (src/targets/target.ts), wired as App wires it, for the tests of the pollers:
 * they go through the Target's own wiring of endpoints, config caches and pollers, so a change
 * there is seen. Kea is a fake (fake-kea.ts, fake-agent.ts) or real. */
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { hashPublisher, type HashPublisher } from '../../src/kea/published-hash.js';
import { MemoryLog } from './memory-log.js';
import type { PollWatch } from '../../src/poller/late-watch.js';
import { QueueRegistry } from '../../src/queue/command-queue.js';
import type { DaemonSnapshot, StatisticsSnapshot } from '../../src/snapshot.js';
import { Target } from '../../src/targets/target.js';

export interface TestTargetOptions {
  /** Top-level YAML beside `targets` (poll:, statistics:, ...). */
  settings?: string;
  /** The pollers' clock, e.g. the fake Kea's. */
  now?: () => number;
  publishHash?: HashPublisher;
}

export interface TestTarget {
  target: Target;
  config: Config;
  log: MemoryLog;
  /** Series keys the Target reported gone (services dropped behind an agent). */
  gone: string[];
  /** One status poll: the snapshots by key. */
  poll(): Promise<Map<string, DaemonSnapshot>>;
  /** The snapshot of one daemon (key suffix: "self", "dhcp4", ...) after one status poll of
   * the target; with watch, reported busy while that poll waits behind proxied commands. */
  pollOne(id?: string, watch?: PollWatch): Promise<DaemonSnapshot>;
  /** The latest snapshot of one daemon, without polling. */
  snapshot(id?: string): DaemonSnapshot | undefined;
  /** One statistics poll of the daemon `id`; undefined when it has none. */
  statistics(id?: string): Promise<StatisticsSnapshot | undefined>;
  close(): Promise<void>;
}

export const TEST_HASH_KEY = 'test-support-target-hash-key';

/** `target`: one target as a YAML flow map, e.g. `{ name: t, socket: "/tmp/k.sock", daemon: dhcp4 }`. */
export function testTarget(target: string, opts: TestTargetOptions = {}): TestTarget {
  const yaml = `${opts.settings ?? ''}\ntargets: [${target}]\n`;
  const config = parseConfigText(yaml, 'test-target.yaml', {});
  const log = new MemoryLog();
  const gone: string[] = [];
  const t = new Target(config.targets[0]!, {
    poll: config.poll,
    statistics: config.statistics,
    queues: new QueueRegistry({ maxInFlight: config.poll.maxInFlight, maxQueued: config.proxy.maxQueued }),
    log,
    publishHash: opts.publishHash ?? hashPublisher(TEST_HASH_KEY),
    ...(opts.now && { now: opts.now }),
    seriesGone: (key) => gone.push(key),
  });
  const key = (id: string) => `${t.name}|${id}`;
  return {
    target: t,
    config,
    log,
    gone,
    poll: () => t.poll(),
    pollOne: async (id = 'self', watch?: PollWatch) => {
      const w = watch && {
        lateAfterMs: watch.lateAfterMs,
        onBusy: (k: string, b: DaemonSnapshot) => {
          if (k === key(id)) watch.onBusy(b);
        },
      };
      const s = (await t.poll(w)).get(key(id));
      if (!s) throw new Error(`no daemon ${key(id)} after the poll`);
      return s;
    },
    snapshot: (id = 'self') => new Map(t.snapshotsByKey()).get(key(id)),
    statistics: async (id = 'self') => (await t.pollStatistics()).get(`${key(id)}#statistics`),
    close: () => t.close(),
  };
}
