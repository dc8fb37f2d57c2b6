/**
 * A real kea-dhcp4 (2.2 unless told) with thousands of subnets (src/lab/big-config.ts), and raw
 * timings of the two big answers a statistics exporter needs: config-get and statistic-get-all.
 *
 *   npx tsx bench/stats-kea.ts [subnets=5000] [version=2.2]
 *
 * One control connection at a time: Kea 2.2 crashes with ~1,000 concurrent ones.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT } from '../src/kea/types.js';
import { bigDhcp4Config } from '../src/lab/big-config.js';
import { isKeaVersion, keaInstall, type KeaVersion } from '../src/lab/kea-install.js';
import { UnixTransport } from '../src/transport/unix.js';

const TAIL_LINES = 30;

export interface BigKea {
  version: KeaVersion;
  socket: string;
  pid: number;
  /** From spawn to the first status-get answered with result 0. */
  startMs: number;
  stop(): Promise<void>;
}

export interface RawTiming {
  /** Bytes of the answer as read to EOF. */
  bytes: number;
  /** From connect to EOF (send, Kea builds the answer, transfer). */
  ms: number;
  /** JSON.parse of the answer, after the clock stopped: CPU ms, median of 5 (jsonParseCpuMs). */
  parseMs: number;
}

/** Far above any answer of the bench's Kea (config-get of 20,000 subnets: 8.8 MB). */
const ANSWER_BYTES = 1024 * 1024 * 1024;

/** One command per connection, read to EOF by the product's own client (UnixTransport); the
 * answer's text and the wall time from connect to EOF. */
export async function rawCommand(socket: string, command: string, timeoutMs = 30_000): Promise<{ text: string; ms: number }> {
  const t0 = performance.now();
  const text = await new UnixTransport(socket, ANSWER_BYTES).request({ command }, timeoutMs);
  return { text, ms: performance.now() - t0 };
}

/** The CPU time of a bare JSON.parse of `text` in this process, median of `runs`: the floor the
 * exporter's CPU per statistics poll is held against. CPU, as the exporter's is measured: wall
 * time here would be the machine's load. */
export function jsonParseCpuMs(text: string, runs = 5): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    JSON.parse(text);
    const t1 = process.cpuUsage(t0);
    ms.push((t1.user + t1.system) / 1000);
  }
  return ms.sort((x, y) => x - y)[runs >> 1]!;
}

async function timed(socket: string, command: string): Promise<{ timing: RawTiming; text: string }> {
  const { text, ms } = await rawCommand(socket, command);
  const answer = JSON.parse(text) as { result?: number; text?: string };
  const parseMs = jsonParseCpuMs(text);
  if (answer.result !== RESULT.success) throw new Error(`${command}: result ${answer.result}: ${answer.text}`);
  return { timing: { bytes: Buffer.byteLength(text), ms: round(ms), parseMs: round(parseMs) }, text };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One raw config-get, then one statistic-get-all (sequentially, one connection at a time);
 * statistic-get-all's text, for references measured later in the run. */
export async function measureRaw(socket: string): Promise<{ configGet: RawTiming; statisticGetAll: RawTiming; statisticsText: string }> {
  const configGet = await timed(socket, 'config-get');
  const statistics = await timed(socket, 'statistic-get-all');
  return { configGet: configGet.timing, statisticGetAll: statistics.timing, statisticsText: statistics.text };
}

/** Resident set size of a process in KiB (Linux /proc). */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

const tail = async (file: string) =>
  (await readFile(file, 'utf8').catch((e: Error) => `(unreadable: ${e.message})`)).trimEnd().split('\n').slice(-TAIL_LINES).join('\n');

export interface BigKeaOptions {
  /** Default 2.2 (the system's Kea), what the bench parts measured from the start. */
  version?: KeaVersion;
  /** Loaded into Kea (lease_cmds, to change leases while it runs); file names of this version's hooks dir. */
  hooks?: string[];
}

/** Starts a real kea-dhcp4 with `subnets` subnets in a fresh temp dir; resolves once status-get answers. */
export async function startBigKea(subnets: number, opts: BigKeaOptions = {}): Promise<BigKea> {
  const version = opts.version ?? '2.2';
  const install = keaInstall(version);
  const missing = await install.missing(['kea-dhcp4'], opts.hooks ?? []);
  if (missing.length) throw new Error(`startBigKea: Kea ${version}: missing ${missing.join(', ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'kea-big-'));
  const sockets = join(dir, 'sockets');
  await mkdir(sockets);
  await chmod(sockets, 0o750); // Kea 2.6.3+ and 3.0 refuse a socket outside KEA_CONTROL_SOCKET_DIR, or in an open dir
  const socket = join(sockets, 'kea4.sock');
  const logFile = join(dir, 'kea4.log');
  const configFile = join(dir, 'kea4.json');
  const config = bigDhcp4Config({ subnets, socket, logFile });
  if (opts.hooks?.length) config.Dhcp4['hooks-libraries'] = opts.hooks.map((h) => ({ library: install.hook(h) }));
  await writeFile(configFile, JSON.stringify(config));

  const t0 = performance.now();
  const cmd = install.command('kea-dhcp4', ['-c', configFile]);
  const env = install.env(dir, sockets); // pid, lock and log files in dir, else /run/kea (unwritable)
  const child = spawn(cmd.file, cmd.args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (c: Buffer) => (output = (output + c.toString('utf8')).slice(-16_384));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const gone = () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill); // never outlive the bench
  void exited.then(() => process.removeListener('exit', kill));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.pid !== undefined && !gone()) {
        child.kill('SIGTERM');
        const hard = setTimeout(kill, 5000);
        await exited;
        clearTimeout(hard);
      }
      process.removeListener('exit', kill);
      await rm(dir, { recursive: true, force: true });
    })());

  const timeoutMs = 15_000 + subnets; // ~1 ms per subnet of slack on top
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (!gone()) {
      try {
        const { text } = await rawCommand(socket, 'status-get', 2000);
        if ((JSON.parse(text) as { result?: number }).result === RESULT.success && child.pid !== undefined) {
          return { version, socket, pid: child.pid, startMs: round(performance.now() - t0), stop };
        }
        last = text.slice(0, 300);
      } catch (err) {
        last = (err as Error).message;
      }
    }
    if (gone() || Date.now() > deadline) {
      const state = spawnError
        ? `could not be spawned: ${spawnError.message}`
        : gone()
          ? `exited with code ${child.exitCode}, signal ${child.signalCode}`
          : `did not answer status-get within ${timeoutMs} ms (last: ${last})`;
      const message = [
        `startBigKea(${subnets}): kea-dhcp4 ${version} ${state}`,
        `  command: ${Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} ${cmd.file} ${cmd.args.join(' ')}`,
        `--- last ${TAIL_LINES} lines of ${logFile} ---`,
        await tail(logFile),
        '--- stdout/stderr ---',
        output.trimEnd().split('\n').slice(-TAIL_LINES).join('\n') || '(empty)',
      ].join('\n');
      await stop();
      throw new Error(message);
    }
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const subnets = Number(process.argv[2] ?? 5000);
  const version = process.argv[3] ?? '2.2';
  if (!isKeaVersion(version)) throw new Error(`stats-kea: no Kea version ${version}`);
  console.log(`stats-kea: starting kea-dhcp4 ${version} with ${subnets} subnets ...`);
  const kea = await startBigKea(subnets, { version });
  try {
    const rssStartKiB = await rssKiB(kea.pid);
    const raw = await measureRaw(kea.socket);
    const again = await measureRaw(kea.socket); // warm: Kea's second answers
    const rssAfterKiB = await rssKiB(kea.pid);
    const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
    console.log(
      `  start (spawn -> status-get ok): ${kea.startMs} ms; Kea RSS ${(rssStartKiB / 1024).toFixed(1)} MiB after start, ` +
        `${(rssAfterKiB / 1024).toFixed(1)} MiB after the commands`,
    );
    for (const [name, first, second] of [
      ['config-get', raw.configGet, again.configGet],
      ['statistic-get-all', raw.statisticGetAll, again.statisticGetAll],
    ] as const) {
      console.log(`  ${name}: ${mb(first.bytes)} in ${first.ms} ms (again: ${second.ms} ms); JSON.parse ${first.parseMs} ms`);
    }
    console.log(JSON.stringify({ subnets, startMs: kea.startMs, rssStartKiB, rssAfterKiB, first: raw, second: again }));
  } finally {
    await kea.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

/** The reference client parts 1 and 4 compare against: the transport alone (UnixTransport:
 * connect, write, read to EOF) and JSON.parse, without the exporter's queue, endpoint and
 * parsers. */
export async function rawStatusGet(path: string): Promise<void> {
  const { text } = await rawCommand(path, 'status-get');
  const a = JSON.parse(text) as { result?: number };
  if (a.result !== RESULT.success) throw new Error(`raw status-get: result ${a.result}`);
}

/** Runs a part on its own (`npx tsx bench/<part>.ts`) when that file is the entry point, with a
 * watchdog so it always stops by itself. */
export function runAlone(moduleUrl: string, name: string, seconds: number, main: () => Promise<void>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  const watchdog = setTimeout(() => {
    console.error(`${name}: still running after ${seconds} s, giving up`);
    process.exit(2);
  }, seconds * 1000);
  watchdog.unref();
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}
