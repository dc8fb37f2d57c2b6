/** Real DHCPv4 traffic on loopback with ISC perfdhcp, against the lab's 'traffic' kea-dhcp4 (see kea-configs.ts). */
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

export const PERFDHCP = '/usr/sbin/perfdhcp';
/** perfdhcp sends from here (as a relay: giaddr 127.0.0.2, which selects subnet 127.0.0.0/8)... */
export const PERFDHCP_LOCAL = '127.0.0.2';
/** ...to the traffic daemon on 127.0.0.1:67. `-l lo` does not work: perfdhcp then binds 127.0.0.1:67 itself. */
export const PERFDHCP_SERVER = '127.0.0.1';

const MAX_RATE = 10_000; // exchanges per second
const MAX_COUNT = 100_000; // exchanges per run
const KILL_GRACE_S = 5; // after timeoutS, on top of perfdhcp's own -p limit
const OUTPUT_LIMIT = 256 * 1024;

export interface PerfdhcpOptions {
  /** DORA exchanges per second (-r). */
  rate: number;
  /** Number of exchanges (-n). */
  count: number;
  /** perfdhcp stops sending after this (-p); it is killed KILL_GRACE_S later. Default: count / rate + 10. */
  timeoutS?: number;
  /** Distinct client MACs (-R). Default: count, so every exchange leases its own address; 1 = perfdhcp's default. */
  clients?: number;
}

export interface PerfdhcpResult {
  /** 0 all exchanges completed; 3 some packets dropped (normal: perfdhcp's first DISCOVER is often lost). */
  exitCode: number;
  stdout: string;
}

const execFileP = promisify(execFile);

/** Adds 127.0.0.2/8 to lo unless present (needs root). Left in place: harmless and shared by concurrent labs. */
export async function ensureLoopbackAlias(address = PERFDHCP_LOCAL): Promise<void> {
  const { stdout } = await execFileP('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo']);
  if (stdout.includes(`inet ${address}/`)) return;
  try {
    await execFileP('ip', ['addr', 'add', `${address}/8`, 'dev', 'lo']);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    // Raced with another lab. iproute2 says "File exists" (old) or "Address already assigned" (bookworm).
    if (/File exists|already assigned/i.test(stderr)) return;
    throw new Error(`perfdhcp: cannot add ${address}/8 to lo (root needed): ${stderr.trim() || (err as Error).message}`);
  }
}

function positiveInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`perfdhcp: ${name} must be an integer in 1..${max}, got ${v}`);
  return v;
}

/** The argument list: `-4 -r <rate> -n <count> -R <clients> -p <timeoutS> -l 127.0.0.2 127.0.0.1`. */
export function perfdhcpArgs(opts: PerfdhcpOptions): string[] {
  const rate = positiveInt('rate', opts.rate, MAX_RATE);
  const count = positiveInt('count', opts.count, MAX_COUNT);
  const clients = positiveInt('clients', opts.clients ?? count, MAX_COUNT);
  const timeoutS = positiveInt('timeoutS', opts.timeoutS ?? Math.ceil(count / rate) + 10, 600);
  return ['-4', '-r', `${rate}`, '-n', `${count}`, '-R', `${clients}`, '-p', `${timeoutS}`, '-l', PERFDHCP_LOCAL, PERFDHCP_SERVER];
}

/**
 * Runs perfdhcp once, bounded in count and time. Resolves with exit code 0 or 3 (drops are fine);
 * rejects if it could not run (missing binary, bad arguments, socket errors, killed on timeout).
 */
export async function runPerfdhcp(opts: PerfdhcpOptions): Promise<PerfdhcpResult> {
  const args = perfdhcpArgs(opts);
  await access(PERFDHCP, constants.X_OK).catch(() => {
    throw new Error(`perfdhcp: ${PERFDHCP} missing; it comes with the Kea packages (Debian: apt-get install -y kea-admin)`);
  });
  await ensureLoopbackAlias();
  const timeoutS = Number(args[args.indexOf('-p') + 1]);
  const cmdline = `${PERFDHCP} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(PERFDHCP, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString('utf8')).slice(-OUTPUT_LIMIT)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-OUTPUT_LIMIT)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, (timeoutS + KILL_GRACE_S) * 1000);
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('error', (err) => {
      clearTimeout(timer);
      process.removeListener('exit', kill);
      reject(new Error(`perfdhcp: cannot run ${cmdline}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', kill);
      if (code === 0 || code === 3) return resolve({ exitCode: code, stdout });
      const why = timedOut ? `killed after ${timeoutS + KILL_GRACE_S} s` : `exited with code ${code}, signal ${signal}`;
      reject(new Error(`perfdhcp: ${cmdline} ${why}\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`));
    });
  });
}

type StatisticGet = { result?: number; arguments?: Record<string, [number, string][]> };

/** Current value of a global statistic from a statistic-get answer (0 when absent). */
function statValue(answer: unknown, name: string): number {
  const a = answer as StatisticGet | undefined;
  if (a?.result !== 0) throw new Error(`perfdhcp: statistic-get ${name} failed: ${JSON.stringify(answer)}`);
  return a.arguments?.[name]?.[0]?.[0] ?? 0;
}

/**
 * runPerfdhcp, then proof that the traffic daemon saw it: pkt4-received must have moved.
 * `ask` sends one command to the traffic daemon (the lab's command('traffic', ...)).
 */
export async function perfdhcpAgainst(
  ask: (command: string, args?: Record<string, unknown>) => Promise<unknown>,
  opts: PerfdhcpOptions,
): Promise<PerfdhcpResult> {
  const received = async () => statValue(await ask('statistic-get', { name: 'pkt4-received' }), 'pkt4-received');
  const before = await received();
  const result = await runPerfdhcp(opts);
  const after = await received();
  if (after <= before) {
    throw new Error(
      `perfdhcp ran (exit ${result.exitCode}) but the traffic daemon's pkt4-received did not move (${before} -> ${after}); ` +
        `is another DHCP server holding 127.0.0.1:67?\n${result.stdout.slice(-4000)}`,
    );
  }
  return result;
}
