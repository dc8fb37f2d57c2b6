/** Real DHCP traffic on loopback with ISC perfdhcp, against the lab's 'traffic' (v4) or 'traffic6' (v6)
 * daemon, which serve at ports of their own: perfdhcp plays a relay with the relay-port option
 * (RFC 8357), so Kea answers at perfdhcp's port and nothing needs ports 67 or 547. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RESULT } from '../kea/types.js';

/** perfdhcp v4 sends from here (as a relay: giaddr 127.0.0.2, which selects subnet 127.0.0.0/8)... */
export const PERFDHCP_LOCAL = '127.0.0.2';
/** ...to the traffic daemon on 127.0.0.1. */
export const PERFDHCP_SERVER = '127.0.0.1';

const MAX_RATE = 10_000; // exchanges per second
const MAX_COUNT = 100_000; // exchanges per run
const KILL_GRACE_S = 5; // after timeoutS, on top of perfdhcp's own -p limit

export interface PerfdhcpOptions {
  /** 4 (default: DORA against 'traffic') or 6 (SARR for an address and a prefix against 'traffic6'). */
  family?: 4 | 6;
  /** Exchanges per second (-r). */
  rate: number;
  /** Number of exchanges (-n). */
  count: number;
  /** perfdhcp stops sending after this (-p); it is killed KILL_GRACE_S later. Default: count / rate + 10. */
  timeoutS?: number;
  /** Distinct clients (-R). Default: count, so every exchange leases its own address; 1 = perfdhcp's default. */
  clients?: number;
}

export interface PerfdhcpPorts {
  /** The traffic daemon's DHCP port (its `-p`). */
  serverPort: number;
  /** perfdhcp's own port, where Kea sends its answers (the relay port). */
  relayPort: number;
}

export interface PerfdhcpResult {
  /** 0 all exchanges completed; 3 some packets dropped (normal: perfdhcp's first packet is often lost). */
  exitCode: number;
  stdout: string;
}

/** Runs this lab version's perfdhcp with `args`, killed after `timeoutMs`. */
export type PerfdhcpRunner = (args: string[], timeoutMs: number) => Promise<{ code: number | null; stdout: string; stderr: string }>;

const execFileP = promisify(execFile);

/** Adds 127.0.0.2/8 to lo unless present (needs root). Left in place: harmless and shared by concurrent labs. */
export async function ensureLoopbackAlias(address = PERFDHCP_LOCAL): Promise<void> {
  const { stdout } = await execFileP('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo']);
  if (stdout.includes(`inet ${address}/`)) return;
  try {
    await execFileP('ip', ['addr', 'add', `${address}/8`, 'dev', 'lo']);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    // Raced with another lab. iproute2 says "File exists" (old) or "Address already assigned" (bookworm).
    if (/File exists|already assigned/i.test(stderr)) return;
    throw new Error(`perfdhcp: cannot add ${address}/8 to lo (root needed): ${stderr.trim() || (err as Error).message}`, { cause: err });
  }
}

function positiveInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`perfdhcp: ${name} must be an integer in 1..${max}, got ${v}`);
  return v;
}

/**
 * v4: `-4 -o 82,13020000 -r R -n N -R C -p T -l 127.0.0.2 -L <relay> -N <server> 127.0.0.1` (RAI
 * sub-option 19: relay port). v6: `-6 -A1 --or 1:135,0000 -e address-and-prefix ... -l lo ... ::1`
 * (one relay level with the relay-source-port option 135).
 */
export function perfdhcpArgs(opts: PerfdhcpOptions, ports: PerfdhcpPorts): string[] {
  const rate = positiveInt('rate', opts.rate, MAX_RATE);
  const count = positiveInt('count', opts.count, MAX_COUNT);
  const clients = positiveInt('clients', opts.clients ?? count, MAX_COUNT);
  const timeoutS = positiveInt('timeoutS', opts.timeoutS ?? Math.ceil(count / rate) + 10, 600);
  const common = ['-r', `${rate}`, '-n', `${count}`, '-R', `${clients}`, '-p', `${timeoutS}`];
  const where = ['-L', `${ports.relayPort}`, '-N', `${ports.serverPort}`];
  return opts.family === 6
    ? ['-6', '-A1', '--or', '1:135,0000', '-e', 'address-and-prefix', ...common, '-l', 'lo', ...where, '::1']
    : ['-4', '-o', '82,13020000', ...common, '-l', PERFDHCP_LOCAL, ...where, PERFDHCP_SERVER];
}

type StatisticGet = { result?: number; arguments?: Record<string, [number, string][]> };

/** Current value of a global statistic from a statistic-get answer (0 when absent). */
function statValue(answer: unknown, name: string): number {
  const a = answer as StatisticGet | undefined;
  if (a?.result !== RESULT.success) throw new Error(`perfdhcp: statistic-get ${name} failed: ${JSON.stringify(answer)}`);
  return a.arguments?.[name]?.[0]?.[0] ?? 0;
}

/**
 * Runs perfdhcp once, bounded in count and time, then proves the traffic daemon saw it: its
 * pkt4-received (pkt6-received) must have moved. Exit code 3 (drops) is fine. `ask` sends one
 * command to the traffic daemon.
 */
export async function perfdhcpAgainst(
  ask: (command: string, args?: Record<string, unknown>) => Promise<unknown>,
  run: PerfdhcpRunner,
  opts: PerfdhcpOptions,
  ports: PerfdhcpPorts,
): Promise<PerfdhcpResult> {
  const args = perfdhcpArgs(opts, ports);
  if (opts.family !== 6) await ensureLoopbackAlias();
  const stat = opts.family === 6 ? 'pkt6-received' : 'pkt4-received';
  const received = async () => statValue(await ask('statistic-get', { name: stat }), stat);
  const before = await received();
  const timeoutS = Number(args[args.indexOf('-p') + 1]);
  const out = await run(args, (timeoutS + KILL_GRACE_S) * 1000);
  const cmdline = `perfdhcp ${args.join(' ')}`;
  if (out.code !== 0 && out.code !== 3) {
    const why = out.code === null ? `killed after ${timeoutS + KILL_GRACE_S} s` : `exited with code ${out.code}`;
    throw new Error(`perfdhcp: ${cmdline} ${why}\n--- stdout ---\n${out.stdout.slice(-4000)}\n--- stderr ---\n${out.stderr.slice(-4000)}`);
  }
  const after = await received();
  if (after <= before) {
    throw new Error(`perfdhcp ran (exit ${out.code}) but the traffic daemon's ${stat} did not move (${before} -> ${after})\n${out.stdout.slice(-4000)}`);
  }
  return { exitCode: out.code, stdout: out.stdout };
}
