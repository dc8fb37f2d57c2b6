/**
 * A real local Kea 2.2 lab (HA dhcp4 pair, dhcp6, d2, agent) on loopback, for integration tests and the demo.
 * Opt-in: 'traffic', a standalone kea-dhcp4 serving real DHCP on 127.0.0.1:67 for perfdhcp (one per machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALL_LAB_DAEMONS, KEA_BINARIES, KEA_HOOKS, LAB_DAEMONS, LEASE_CMDS_HOOK, labConfig, labPaths, leaseFile, type LabDaemon, type LabPorts,
} from './kea-configs.js';
import { leases4Csv } from './leases.js';
import { perfdhcpAgainst, type PerfdhcpOptions, type PerfdhcpResult } from './perfdhcp.js';

export type { LabDaemon } from './kea-configs.js';

/** HA local state in a status-get answer (first relationship), if any. */
export function haLocalState(answer: unknown): string | undefined {
  type Ha = { arguments?: { 'high-availability'?: { 'ha-servers'?: { local?: { state?: string } } }[] } };
  return (answer as Ha | undefined)?.arguments?.['high-availability']?.[0]?.['ha-servers']?.local?.state;
}

export interface LabOptions {
  daemons?: LabDaemon[]; // default: the five of LAB_DAEMONS; 'traffic' only when listed (it needs 127.0.0.1:67)
  dir?: string; // default: a fresh mkdtemp under os.tmpdir(); a given dir is removed on stop only if the lab created it
  leases?: number; // leases preloaded into the 'leases' daemon's memfile (default 0)
}

export interface Lab {
  dir: string;
  sockets: { primary: string; standby: string; dhcp6: string; d2: string; traffic: string; leases: string };
  agentUrl: string;
  haPorts: { primary: number; standby: number };
  configFile(name: LabDaemon): string;
  logFile(name: LabDaemon): string;
  /** One command per UNIX connection, read to EOF. For 'ca' it POSTs to agentUrl; `args.service` goes top-level. Test helper only. */
  command(name: LabDaemon, command: string, args?: Record<string, unknown>): Promise<unknown>;
  kill(name: LabDaemon): Promise<void>;
  start(name: LabDaemon): Promise<void>;
  stop(): Promise<void>;
  waitFor(name: LabDaemon, pred: (statusGetAnswer: unknown) => boolean, timeoutMs: number): Promise<unknown>;
  /**
   * Real DORA exchanges against 'traffic' (must be running): `perfdhcp -4 -r <rate> -n <count> -R <clients>
   * -p <timeoutS> -l 127.0.0.2 127.0.0.1` (see perfdhcp.ts). Exit code 3 (drops) is fine; rejects if perfdhcp
   * could not run or the daemon's pkt4-received did not move.
   */
  perfdhcp(opts: PerfdhcpOptions): Promise<PerfdhcpResult>;
}

const START_TIMEOUT_MS = 15_000;
const HA_TIMEOUT_MS = 20_000;
const TAIL_LINES = 30;
const INSTALL_HINT =
  'apt-get install -y kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server kea-ctrl-agent kea-admin';

interface Proc {
  child: ChildProcess;
  output: string[]; // last lines of stdout+stderr (Kea prints config errors there before its loggers exist)
  exit: Promise<void>;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
}

// Children must not outlive us, even if stop() is never called; temp dirs neither.
const live = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let guarded = false;
function guardExit(): void {
  if (guarded) return;
  guarded = true;
  const cleanup = () => {
    live.forEach((c) => c.kill('SIGKILL'));
    ownedDirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanup();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig); // keep the default death
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Binds port 0 on 127.0.0.1, reads the port the kernel chose, closes. */
export function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = kind === 'tcp' ? createServer() : createSocket('udp4');
    const done = () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    };
    s.once('error', reject);
    if ('listen' in s) s.listen(0, '127.0.0.1', done);
    else s.bind(0, '127.0.0.1', done);
  });
}

function unixCommand(path: string, body: object, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = createConnection(path, () => sock.write(JSON.stringify(body)));
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try { resolve(JSON.parse(text)); } catch { reject(new Error(`non-JSON answer from ${path}: ${text.slice(0, 200)}`)); }
    });
  });
}

const tail = (file: string): Promise<string> =>
  readFile(file, 'utf8').then((t) => t.trimEnd().split('\n').slice(-TAIL_LINES).join('\n'), (e: Error) => `(unreadable: ${e.message})`);

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const daemons = [...new Set(opts.daemons ?? LAB_DAEMONS)];
  const needed = [...new Set(daemons.map((d) => KEA_BINARIES[d]))];
  if (daemons.includes('primary') || daemons.includes('standby')) needed.push(...KEA_HOOKS);
  if (daemons.includes('traffic') || daemons.includes('leases')) needed.push(LEASE_CMDS_HOOK);
  const missing: string[] = [];
  for (const f of needed) await access(f, constants.R_OK).catch(() => missing.push(f));
  if (missing.length) throw new Error(`Kea lab: missing ${missing.join(', ')}; install with: ${INSTALL_HINT}`);

  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'kea-lab-')));
  const ownDir = !opts.dir || (await mkdir(dir, { recursive: true })) !== undefined;
  if (ownDir) ownedDirs.add(dir);
  guardExit();
  const path = (name: LabDaemon) => labPaths(dir, name);
  // sun_path is 108 bytes; a long TMPDIR would make Kea fail with an obscure bind error.
  if (Buffer.byteLength(path('primary').socket) > 100) throw new Error(`Kea lab: dir ${dir} too long for UNIX sockets`);

  const tcp = new Set<number>();
  while (tcp.size < 3) tcp.add(await freePort('tcp')); // three distinct ports
  const [haPrimary, haStandby, agent] = [...tcp] as [number, number, number];
  const ports: LabPorts = { haPrimary, haStandby, agent, d2: await freePort('udp') };
  const agentUrl = `http://127.0.0.1:${agent}/`;
  // Every config is written, so start() works for a daemon left out of opts.daemons.
  for (const name of ALL_LAB_DAEMONS) await writeFile(path(name).config, JSON.stringify(labConfig(name, dir, ports), null, 2));
  await writeFile(leaseFile(dir), leases4Csv({ count: opts.leases ?? 0 }));

  const procs = new Map<LabDaemon, Proc>();
  let stopping: Promise<void> | undefined;
  const running = (name: LabDaemon) => [procs.get(name)].find((p) => p && !p.exited);

  async function command(name: LabDaemon, command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (name !== 'ca') return unixCommand(path(name).socket, args ? { command, arguments: args } : { command });
    const { service, ...rest } = args ?? {};
    const body = { command, ...(service ? { service } : {}), ...(Object.keys(rest).length ? { arguments: rest } : {}) };
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return (await fetch(agentUrl, { ...init, signal: AbortSignal.timeout(5000) })).json();
  }

  async function describe(name: LabDaemon, why: string): Promise<string> {
    const p = procs.get(name);
    const x = p?.exited;
    const state = !p ? 'never started' : x ? `exited with code ${x.code}, signal ${x.signal}` : `still running (pid ${p.child.pid})`;
    return [
      `Kea lab: ${name} ${why}; ${state}`,
      `  command: ${KEA_BINARIES[name]} -c ${path(name).config}`,
      ...(name === 'traffic' ? ['  (traffic binds 127.0.0.1:67: is another lab with traffic, or a DHCP server, running?)'] : []),
      `--- last ${TAIL_LINES} lines of ${path(name).log} ---`,
      await tail(path(name).log),
      `--- last ${TAIL_LINES} lines of stdout/stderr ---`,
      p?.output.join('\n') || '(empty)',
    ].join('\n');
  }

  async function waitFor(name: LabDaemon, pred: (a: unknown) => boolean, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = 'no answer yet';
    for (;;) {
      const p = procs.get(name);
      if (p?.exited) throw new Error(await describe(name, 'is not running'));
      try {
        const answer = await command(name, 'status-get');
        if (pred(answer)) return answer;
        last = answer;
      } catch (err) {
        last = err instanceof Error ? err.message : err;
      }
      if (Date.now() >= deadline) {
        const lastText = typeof last === 'string' ? last : JSON.stringify(last);
        throw new Error(await describe(name, `did not satisfy the condition within ${timeoutMs} ms; last answer: ${lastText}`));
      }
      await sleep(200);
    }
  }

  function spawnDaemon(name: LabDaemon): void {
    const child = spawn(KEA_BINARIES[name], ['-c', path(name).config], {
      env: { ...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir }, // else /run/kea, unwritable
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p: Proc = { child, output: [], exit: Promise.resolve() };
    p.exit = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        p.exited = { code, signal };
        live.delete(child);
        resolve();
      }),
    );
    child.once('error', (err) => p.output.push(`spawn error: ${err.message}`));
    const collect = (chunk: Buffer) => {
      p.output.push(...chunk.toString('utf8').trimEnd().split('\n'));
      p.output.splice(0, Math.max(0, p.output.length - TAIL_LINES));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    live.add(child);
    procs.set(name, p);
  }

  const answered = (a: unknown) => (Array.isArray(a) ? a.length > 0 : (a as { result?: number } | undefined)?.result === 0);
  // traffic: its DHCP socket must be open too (it exits when it cannot bind, but may answer for a moment first).
  type Sockets = { arguments?: { sockets?: { status?: string } } };
  const ready = (name: LabDaemon) => (a: unknown) =>
    answered(a) && (name !== 'traffic' || (a as Sockets).arguments?.sockets?.status === 'ready');

  async function kill(name: LabDaemon): Promise<void> {
    const p = running(name);
    if (!p) return;
    p.child.kill('SIGKILL');
    await p.exit;
  }

  async function start(name: LabDaemon): Promise<void> {
    if (stopping || running(name)) throw new Error(`Kea lab: cannot start ${name}: ${stopping ? 'lab stopped' : 'already running'}`);
    spawnDaemon(name);
    try {
      await waitFor(name, ready(name), START_TIMEOUT_MS);
    } catch (err) {
      await kill(name); // never leave a half-started daemon behind
      throw err;
    }
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      const alive = [...procs.values()].filter((p) => !p.exited);
      alive.forEach((p) => p.child.kill('SIGTERM'));
      const hard = setTimeout(() => alive.forEach((p) => p.child.kill('SIGKILL')), 3000); // Kea ignoring SIGTERM
      await Promise.all(alive.map((p) => p.exit));
      clearTimeout(hard);
      if (ownDir) await rm(dir, { recursive: true, force: true });
      ownedDirs.delete(dir);
    })();
    return stopping;
  }

  const lab: Lab = {
    dir,
    sockets: {
      leases: path('leases').socket,
      primary: path('primary').socket,
      standby: path('standby').socket,
      dhcp6: path('dhcp6').socket,
      d2: path('d2').socket,
      traffic: path('traffic').socket,
    },
    agentUrl,
    haPorts: { primary: haPrimary, standby: haStandby },
    configFile: (name) => path(name).config,
    logFile: (name) => path(name).log,
    ...{ command, kill, start, stop, waitFor },
    async perfdhcp(opts) {
      if (stopping || !running('traffic')) throw new Error(`Kea lab: perfdhcp needs the 'traffic' daemon: startLab({ daemons: [..., 'traffic'] })`);
      return perfdhcpAgainst((cmd, args) => command('traffic', cmd, args), opts);
    },
  };

  // Start everything in parallel, report every failure, never hand back a half-started lab.
  const results = await Promise.allSettled(daemons.map((name) => start(name)));
  let failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (!failures.length && daemons.includes('primary') && daemons.includes('standby')) {
    const hotStandby = (a: unknown) => haLocalState(a) === 'hot-standby';
    const ha = await Promise.allSettled([waitFor('primary', hotStandby, HA_TIMEOUT_MS), waitFor('standby', hotStandby, HA_TIMEOUT_MS)]);
    failures = ha.flatMap((r) => (r.status === 'rejected' ? [`HA pair not in hot-standby: ${(r.reason as Error).message}`] : []));
  }
  if (failures.length) {
    await stop();
    throw new Error(`Kea lab failed to start (dir ${dir}):\n\n${failures.join('\n\n')}`);
  }
  return lab;
}
