/** Child processes of a lab: spawned, their output tailed, never outliving us; and the lab's small I/O helpers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import type { KeaCommand } from '../kea/types.js';
import { parseBody } from '../transport/transport.js';
import { UnixTransport } from '../transport/unix.js';

export const TAIL_LINES = 30;

export interface Proc {
  child: ChildProcess;
  output: string[]; // last lines of stdout+stderr (Kea prints config errors there before its loggers exist)
  exit: Promise<void>;
  exited?: { code: number | null; signal: NodeJS.Signals | null };
}

// Children must not outlive us, even if stop() is never called; temp dirs neither.
const live = new Set<ChildProcess>();
export const ownedDirs = new Set<string>();
let guarded = false;
export function guardExit(): void {
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

/** `as`: the user and group to run it as (PostgreSQL refuses to run as root). */
export function spawnTracked(file: string, args: string[], env: Record<string, string>, as?: { uid: number; gid: number }): Proc {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...as });
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
  return p;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, `stdin` as its input (killed after timeoutMs): its exit code and
 * its output's tail (1 MB of stdout, 100 KB of stderr). */
export function runProgram(file: string, args: readonly string[], o: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-1_000_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-100_000)));
    child.once('error', (err) => (clearTimeout(timer), reject(err)));
    child.once('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
    child.stdin.end(o.stdin ?? '');
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lowest port of the kernel's ephemeral range, from which it picks the source port of every
 * outgoing connection and the port of a bind to 0. */
const EPHEMERAL_LOW = ((): number => {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 32768;
  } catch {
    return 32768;
  }
})();
/** Lab ports come from below the ephemeral range: a port found free by binding 0 and closing is
 * one the kernel may hand to any outgoing connection (the exporter's polls, HA heartbeats, another
 * lab's clients) before the daemon binds it, which CI saw as Kea's "bind: Address already in
 * use". Nothing takes a port below the range but an explicit bind. */
const POOL_LOW = 10_000;
/** Ports this process gave out: two labs started at once never get the same one. */
const given = new Set<number>();

/** Whether a port of a kind can be bound on 127.0.0.1 now (bound, then closed). */
function bindable(kind: 'tcp' | 'udp', port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = kind === 'tcp' ? createServer() : createSocket('udp4');
    s.once('error', () => resolve(false));
    const done = () => s.close(() => resolve(true));
    if ('listen' in s) s.listen(port, '127.0.0.1', done);
    else s.bind(port, '127.0.0.1', done);
  });
}

/** A port of a kind free on 127.0.0.1, below the ephemeral range (falls back to the kernel's
 * choice where that range starts too low to leave room). */
export async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (EPHEMERAL_LOW - POOL_LOW < 1000) return kernelPort(kind);
  for (let tries = 0; tries < 500; tries++) {
    const port = POOL_LOW + Math.floor(Math.random() * (EPHEMERAL_LOW - POOL_LOW));
    if (given.has(port)) continue;
    given.add(port);
    if (await bindable(kind, port)) return port;
  }
  throw new Error(`lab: no free ${kind} port in ${POOL_LOW}-${EPHEMERAL_LOW - 1} after 500 tries`);
}

/** Binds port 0 on 127.0.0.1, reads the port the kernel chose, closes. */
function kernelPort(kind: 'tcp' | 'udp'): Promise<number> {
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

/** `count` distinct free ports of a kind. */
export async function freePorts(kind: 'tcp' | 'udp', count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(kind));
  return [...ports];
}

/** Far above any answer of a lab daemon (config-get of 20,000 subnets: 8.8 MB; a lease file of
 * millions). */
const LAB_ANSWER_BYTES = 1024 * 1024 * 1024;

/** One command on a daemon's UNIX socket through the product's own client (UnixTransport),
 * its answer parsed as the exporter parses it; rejects with the exporter's KeaError. Any result
 * resolves: the caller judges it. */
export async function unixCommand(path: string, cmd: KeaCommand, timeoutMs = 5000): Promise<unknown> {
  return parseBody(await new UnixTransport(path, LAB_ANSWER_BYTES).request(cmd, timeoutMs), `${cmd.command} on ${path}`);
}

export const tail = (file: string): Promise<string> =>
  readFile(file, 'utf8').then(
    (t) => t.trimEnd().split('\n').slice(-TAIL_LINES).join('\n'),
    (e: Error) => `(unreadable: ${e.message})`,
  );
