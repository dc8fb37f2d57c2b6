/**
 * The 5,000-subnet lab with Prometheus in front, for the dashboards' scale test and bench part:
 * a real kea-dhcp4 with thousands of subnets (bench/stats-kea.ts startBigKea, src/lab/big-config.ts),
 * the exporter polling its statistics (in this process), and a real Prometheus scraping it. While
 * data accumulates, leases are added so that subnet and pool utilisation differ and the fullest
 * ones change over time: a `topk` plotted over a range then draws more series than at one instant.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { startBigKea, type BigKea } from '../../bench/stats-kea.js';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { bigSubnetPrefix } from '../../src/lab/big-config.js';
import { LEASE_CMDS } from '../../src/lab/daemons.js';
import { KEA_FEATURES, NEWEST_KEA, type KeaVersion } from '../../src/lab/kea-install.js';
import { sleep, unixCommand } from '../../src/lab/processes.js';
import { buildServer } from '../../src/server/server.js';
import { MemoryLog } from './memory-log.js';
import { startPrometheus, type Prometheus } from './prometheus.js';

export const SCALE_SUBNETS = 5000;
/** The exporter's target name for the big Kea. */
export const SCALE_TARGET = 'big';

export interface ScaleLabOptions {
  /** Default SCALE_SUBNETS. */
  subnets?: number;
  /** Default NEWEST_KEA: it reports per-pool statistics too, so the series are the most there are. */
  version?: KeaVersion;
  /** Prometheus' scrape interval and the exporter's statistics interval (seconds). Default 2. */
  intervalS?: number;
}

export interface ScaleLab {
  version: KeaVersion;
  subnets: number;
  intervalS: number;
  kea: BigKea;
  prom: Prometheus;
  /** Unix time (s) at which Prometheus first held every subnet's series. */
  since: number;
  /** Adds leases for `seconds`, one more subnet filled past the others every interval. */
  accumulate(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
/** Addresses in each big-config pool (.10 - .200). */
const POOL_SIZE = 191;

export async function startScaleLab(o: ScaleLabOptions = {}): Promise<ScaleLab> {
  const subnets = o.subnets ?? SCALE_SUBNETS;
  const version = o.version ?? NEWEST_KEA;
  const intervalS = o.intervalS ?? 2;
  const stack: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const f of stack.splice(0).reverse()) await f();
  };
  try {
    const kea = await startBigKea(subnets, { version, hooks: [LEASE_CMDS] });
    stack.push(() => kea.stop());
    const yaml = [
      `poll: { interval: 5s, timeout: 3s }`,
      `statistics: { interval: ${intervalS}s }`, // the default maxSeries holds 5,000 subnets' ~80,000 series
      'targets:',
      `  - { name: ${SCALE_TARGET}, socket: "${kea.socket}", daemon: dhcp4 }`,
      '',
    ].join('\n');
    const app = new App(parseConfigText(yaml, 'scale-lab.yaml'), { log: new MemoryLog(), version: 'test' });
    await app.start();
    stack.push(() => app.stop());
    const server: FastifyInstance = buildServer(app);
    await server.listen({ host: '127.0.0.1', port: 0 });
    stack.push(() => server.close());
    const { port } = server.server.address() as AddressInfo;
    const prom = await startPrometheus({ scrape: `127.0.0.1:${port}`, intervalS });
    stack.push(() => prom.stop());

    const since = await untilComplete(prom, subnets, KEA_FEATURES[version].poolIds);
    let step = 0;
    const accumulate = async (seconds: number) => {
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        await fillPast(kea.socket, subnets, step++);
        await sleep(Math.min(intervalS * 1000, Math.max(0, end - Date.now())));
      }
    };
    return { version, subnets, intervalS, kea, prom, since, accumulate, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Until Prometheus holds a capacity series of every subnet (and pool), nothing dropped. */
async function untilComplete(prom: Prometheus, subnets: number, pools: boolean): Promise<number> {
  const target = `target="${SCALE_TARGET}"`;
  const checks = [
    `count(kea_dhcp4_addresses_capacity{${target}}) == ${subnets}`,
    ...(pools ? [`count(kea_dhcp4_pool_addresses_capacity{${target}}) == ${subnets}`] : []),
    `kea_exporter_statistics_series_dropped{${target}} == 0`,
  ];
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const results = await Promise.all(checks.map((c) => prom.query(c)));
    if (results.every((r) => r.length > 0)) return Math.floor(Date.now() / 1000);
    if (Date.now() > deadline) {
      const missing = checks.filter((_, i) => !results[i]!.length);
      throw new Error(`scale lab: Prometheus not complete within ${READY_TIMEOUT_MS} ms; false: ${missing.join('; ')}`);
    }
    await sleep(500);
  }
}

/** Step `k`: 2(k+1) leases in a subnet spread over the id range, fuller than every earlier step's. */
async function fillPast(socket: string, subnets: number, k: number): Promise<void> {
  const id = 1 + ((k * 487) % subnets); // 487 is prime: distinct subnets for 5,000 steps
  const count = Math.min(POOL_SIZE, 2 * (k + 1));
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  for (let i = 0; i < count; i++) {
    const args = { 'ip-address': `${bigSubnetPrefix(id)}.${10 + i}`, 'subnet-id': id, 'hw-address': `02:00:${hex(id >> 8)}:${hex(id & 255)}:00:${hex(i)}` };
    const answer = (await unixCommand(socket, { command: 'lease4-add', arguments: args })) as { result?: number; text?: string };
    if (answer.result !== 0) throw new Error(`scale lab: lease4-add ${args['ip-address']}: ${answer.text}`);
  }
}
