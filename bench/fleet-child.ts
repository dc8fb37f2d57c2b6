/** Child process: 1,000 fake Kea daemons (even = HA primary) on UNIX sockets, driven over IPC,
 * so their CPU is not counted as the exporter's. Kea 2.2 kea-dhcp4s, or with a subnets shape
 * (argv[4], JSON) Kea 3.0 ones serving that many subnets and their statistics. */
import type net from 'node:net';
import { startFakeFleet, type FakeFleet, type FakeKea } from '../test/support/fake-kea.js';
import { subnetsDaemon, type SubnetsShape } from '../test/support/fake-subnets.js';

export interface FleetStats {
  /** Commands received so far, by command name (all fakes). */
  byCommand: Record<string, number>;
  /** status-get received so far per fake, in fleet order. */
  statusGetPerFake: number[];
  connections: number;
  /** FakeKea's own counter (accept to close of its socket), highest over the fleet, lifetime. */
  maxConcurrent: number;
  fakesOverOne: number;
  /** Commands in progress at one fake (accept to answer written), highest over the fleet, lifetime. */
  maxInProgress: number;
  fakesInProgressOverOne: number;
  /** Open connections at one fake (accept to close) since the last reset, highest over the fleet. */
  maxOpenSinceReset: number;
  /** Connections accepted (all fakes) per 100 ms slot since the last reset: how evenly the
   * exporter spreads its polls over the interval (busiest slot vs the mean). */
  acceptsPerSlot: { max: number; mean: number };
  cpuUs: number;
  rss: number;
}

export type ToChild = { type: 'stats'; reset?: boolean } | { type: 'stop' };
export type FromChild = { type: 'ready'; paths: string[]; startMs: number } | { type: 'stats'; stats: FleetStats } | { type: 'error'; message: string };

const send = (m: FromChild) => process.send!(m);

interface Track {
  busy: number;
  busyMax: number;
  open: number;
  openMax: number;
}

/** Our own count beside FakeKea's: its counter runs until the client's FIN is processed, so two
 * back-to-back commands can overlap there by a few microseconds; Kea closes right after answering. */
const SLOT_MS = 100;
let slots = new Map<number, number>();
let slotsFrom = Math.floor(Date.now() / SLOT_MS);

function track(fake: FakeKea): Track {
  const t: Track = { busy: 0, busyMax: 0, open: 0, openMax: 0 };
  const server = (fake as unknown as { server?: net.Server }).server; // private field, bench only
  if (!server) throw new Error('FakeKea has no server field: cannot track connections');
  server.on('connection', (sock: net.Socket) => {
    const slot = Math.floor(Date.now() / SLOT_MS);
    slots.set(slot, (slots.get(slot) ?? 0) + 1);
    t.busyMax = Math.max(t.busyMax, ++t.busy);
    t.openMax = Math.max(t.openMax, ++t.open);
    let answered = false;
    const done = () => {
      if (!answered) t.busy--;
      answered = true;
    };
    sock.once('finish', done);
    sock.once('close', () => {
      done();
      t.open--;
    });
  });
  return t;
}

function stats(fleet: FakeFleet, tracks: Track[], reset: boolean): FleetStats {
  const byCommand: Record<string, number> = {};
  const statusGetPerFake: number[] = [];
  let connections = 0;
  let maxConcurrent = 0;
  let fakesOverOne = 0;
  for (const s of fleet.servers) {
    let sg = 0;
    for (const c of s.commands) {
      byCommand[c] = (byCommand[c] ?? 0) + 1;
      if (c === 'status-get') sg++;
    }
    statusGetPerFake.push(sg);
    connections += s.connections;
    maxConcurrent = Math.max(maxConcurrent, s.maxConcurrent);
    if (s.maxConcurrent > 1) fakesOverOne++;
  }
  const maxInProgress = Math.max(...tracks.map((t) => t.busyMax));
  const fakesInProgressOverOne = tracks.filter((t) => t.busyMax > 1).length;
  const maxOpenSinceReset = Math.max(...tracks.map((t) => t.openMax));
  // Whole slots only: the one of the reset and the current one are partial.
  const now = Math.floor(Date.now() / SLOT_MS);
  const whole = [...slots].filter(([k]) => k > slotsFrom && k < now).map(([, v]) => v);
  const n = now - slotsFrom - 1; // slots without an accept count too
  const acceptsPerSlot = { max: Math.max(0, ...whole), mean: n > 0 ? Math.round((whole.reduce((a, b) => a + b, 0) / n) * 10) / 10 : 0 };
  if (reset) {
    for (const t of tracks) t.openMax = t.open;
    slots = new Map();
    slotsFrom = now;
  }
  const cpu = process.cpuUsage();
  return {
    byCommand,
    statusGetPerFake,
    connections,
    maxConcurrent,
    fakesOverOne,
    maxInProgress,
    fakesInProgressOverOne,
    maxOpenSinceReset,
    acceptsPerSlot,
    cpuUs: cpu.user + cpu.system,
    rss: process.memoryUsage().rss,
  };
}

async function main(): Promise<void> {
  const [dir, n] = [process.argv[2]!, Number(process.argv[3] ?? 1000)];
  const shape = process.argv[4] ? (JSON.parse(process.argv[4]) as SubnetsShape) : undefined;
  const t0 = Date.now();
  const fleet = await startFakeFleet(n, dir, shape ? { handlerFor: (i) => subnetsDaemon(i, shape, i % 2 === 0).handler } : { version: '2.2' });
  const tracks = fleet.servers.map(track);
  send({ type: 'ready', paths: fleet.paths, startMs: Date.now() - t0 });
  const stop = async () => {
    await fleet.close();
    process.exit(0);
  };
  process.on('message', (m: ToChild) => {
    if (m.type === 'stats') send({ type: 'stats', stats: stats(fleet, tracks, m.reset ?? false) });
    else void stop();
  });
  process.on('disconnect', () => void stop()); // parent gone: do not linger
}

main().catch((err: Error) => {
  send({ type: 'error', message: err.stack ?? err.message });
  process.exit(1);
});
