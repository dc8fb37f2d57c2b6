/** Child processes of a lab: spawned, their output tailed, never outliving us; and the lab's small I/O helpers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
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

export function spawnTracked(file: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
