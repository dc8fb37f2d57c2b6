/**
 * A real local Kea lab on loopback, of one Kea version (2.2, 2.6 or 3.0), for integration tests and
 * the demo: an HA hot-standby pair, dhcp6, d2 and a Control Agent by default; on request the traffic
 * servers (real DHCP from perfdhcp on ports of their own), hub-and-spoke and passive-backup HA, and
 * on 3.0 an HTTPS control socket requiring client certificates. Labs of different versions (or the
 * same) run side by side: every port and path is the lab's own.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESULT } from '../kea/types.js';
import { makeTestCertificates } from './certs.js';
import {
  ALL_LAB_DAEMONS,
  HA_SERVERS,
  HTTP_SOCKET_DAEMONS,
  LAB_DAEMONS,
  daemonRow,
  daemonsFor,
  labPaths,
  leaseFile,
  socketDir,
  type HttpSocketDaemon,
  type LabDaemon,
} from './daemons.js';
import { daemonArgs, httpUrl, labConfig, type LabContext, type LabPorts, type PgsqlDatabase } from './kea-configs.js';
import { NEWEST_KEA, keaInstall, type KeaInstall, type KeaProgram, type KeaVersion } from './kea-install.js';
import { leases4Csv } from './leases.js';
import { perfdhcpAgainst, type PerfdhcpOptions, type PerfdhcpResult } from './perfdhcp.js';
import { TAIL_LINES, freePorts, guardExit, ownedDirs, runProgram, sleep, spawnTracked, tail, unixCommand, type Proc, type RunResult } from './processes.js';

export type { LabDaemon } from './daemons.js';
export { freePort, type RunResult } from './processes.js';

type HaServers = { arguments?: { 'high-availability'?: { 'ha-servers'?: { local?: { state?: string }; remote?: { 'last-state'?: string } } }[] } };

/** HA local state in a status-get answer (relationship `index`, default the first), if any. */
export function haLocalState(answer: unknown, index = 0): string | undefined {
  return (answer as HaServers | undefined)?.arguments?.['high-availability']?.[index]?.['ha-servers']?.local?.state;
}

/** The partner's state as this server last heard it (relationship `index`), if reported. */
function haRemoteState(answer: unknown, index: number): string | undefined {
  return (answer as HaServers | undefined)?.arguments?.['high-availability']?.[index]?.['ha-servers']?.remote?.['last-state'];
}

export interface LabOptions {
  version?: KeaVersion; // default NEWEST_KEA
  daemons?: LabDaemon[]; // default LAB_DAEMONS
  dir?: string; // default: a fresh mkdtemp under os.tmpdir(); a given dir is removed on stop only if the lab created it
  leases?: number; // leases preloaded into the 'leases' daemon's memfile (default 0)
  pgsql?: PgsqlDatabase; // the database of the daemons with a PostgreSQL backend (src/lab/postgres.ts); without it they cannot run
}

export interface Lab {
  version: KeaVersion;
  install: KeaInstall;
  dir: string;
  sockets: Record<LabDaemon, string>;
  agentUrl: string;
  ports: LabPorts;
  /** Kea 3's own HTTP control sockets (basic auth `httpAuth`), by daemon; empty before 3.0. */
  httpUrls: Partial<Record<HttpSocketDaemon, string>>;
  httpAuth: { username: string; password: string };
  /** Kea 3's 'tls' daemon: its HTTPS URL and the PKI (it requires a client certificate). */
  tls?: { url: string; ca: string; clientCert: string; clientKey: string };
  configFile(name: LabDaemon): string;
  logFile(name: LabDaemon): string;
  /** One command per UNIX connection, read to EOF. For 'ca' it POSTs to agentUrl; `args.service` goes top-level. Test helper only. */
  command(name: LabDaemon, command: string, args?: Record<string, unknown>): Promise<unknown>;
  kill(name: LabDaemon): Promise<void>;
  start(name: LabDaemon): Promise<void>;
  stop(): Promise<void>;
  waitFor(name: LabDaemon, pred: (statusGetAnswer: unknown) => boolean, timeoutMs: number): Promise<unknown>;
  /** Real DHCP exchanges (see perfdhcp.ts) against 'traffic' (family 4) or 'traffic6' (6), which must run. */
  perfdhcp(opts: PerfdhcpOptions): Promise<PerfdhcpResult>;
  /** This version's program (kea-shell, perfdhcp, ...) with its environment: exit code and output. */
  run(program: KeaProgram, args: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<RunResult>;
}

const START_TIMEOUT_MS = 15_000;
const HA_TIMEOUT_MS = 20_000;

async function allocatePorts(): Promise<LabPorts> {
  const haNames = Object.keys(HA_SERVERS) as (keyof typeof HA_SERVERS)[];
  const tcp = await freePorts('tcp', haNames.length + HTTP_SOCKET_DAEMONS.length + 2);
  const udp = await freePorts('udp', 3);
  const next = () => tcp.shift()!;
  return {
    ha: Object.fromEntries(haNames.map((n) => [n, next()])) as LabPorts['ha'],
    http: Object.fromEntries(HTTP_SOCKET_DAEMONS.map((n) => [n, next()])) as LabPorts['http'],
    https: next(),
    agent: next(),
    d2: udp[0]!,
    dhcp4: udp[1]!,
    dhcp6: udp[2]!,
  };
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const version = opts.version ?? NEWEST_KEA;
  const install = keaInstall(version);
  const daemons = [...new Set(opts.daemons ?? LAB_DAEMONS)];
  const runnable = daemonsFor(install.features, { pgsql: opts.pgsql !== undefined });
  const unsupported = daemons.filter((d) => !runnable.includes(d));
  if (unsupported.length) throw new Error(`Kea lab: Kea ${version} cannot run ${unsupported.join(', ')}`);
  const programs = [...new Set(daemons.map((d) => daemonRow(d).program))];
  const missing = await install.missing(programs, [...new Set(daemons.flatMap((d) => daemonRow(d).hooks))]);
  if (missing.length) throw new Error(`Kea lab ${version}: missing ${missing.join(', ')}`);

  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), `kea-lab-${version}-`)));
  const ownDir = !opts.dir || (await mkdir(dir, { recursive: true })) !== undefined;
  if (ownDir) ownedDirs.add(dir);
  guardExit();
  const path = (name: LabDaemon) => labPaths(dir, name);
  // sun_path is 108 bytes; a long TMPDIR would make Kea fail with an obscure bind error.
  if (Buffer.byteLength(path('primary').socket) > 100) throw new Error(`Kea lab: dir ${dir} too long for UNIX sockets`);
  await mkdir(socketDir(dir), { recursive: true });
  await chmod(socketDir(dir), 0o750); // Kea 3.0 refuses a more open socket dir

  const ports = await allocatePorts();
  const auth = { user: 'lab-admin', password: randomBytes(12).toString('hex') };
  const pki = install.features.httpSockets ? makeTestCertificates(join(dir, 'pki')) : undefined;
  const ctx: LabContext = { dir, install, ports, auth, tls: pki && { ca: pki.caCert, cert: pki.serverCert, key: pki.serverKey }, pgsql: opts.pgsql };
  // Every config is written, so start() works for a daemon left out of opts.daemons.
  for (const name of runnable) await writeFile(path(name).config, JSON.stringify(labConfig(name, ctx), null, 2));
  await writeFile(leaseFile(dir), leases4Csv({ count: opts.leases ?? 0 }));
  const env = install.env(dir, socketDir(dir));

  const procs = new Map<LabDaemon, Proc>();
  let stopping: Promise<void> | undefined;
  const running = (name: LabDaemon) => [procs.get(name)].find((p) => p && !p.exited);
  const agentUrl = `http://127.0.0.1:${ports.agent}/`;

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
    const cmd = install.command(daemonRow(name).program, ['-c', path(name).config, ...daemonArgs(ctx, name)]);
    return [
      `Kea lab ${version}: ${name} ${why}; ${state}`,
      `  command: ${cmd.file} ${cmd.args.join(' ')}`,
      `--- last ${TAIL_LINES} lines of ${path(name).log} ---`,
      await tail(path(name).log),
      `--- last ${TAIL_LINES} lines of stdout/stderr ---`,
      p?.output.join('\n') || '(empty)',
    ].join('\n');
  }

  async function waitFor(name: LabDaemon, pred: (a: unknown) => boolean, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
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
        const lastText = last === undefined ? 'no answer yet' : typeof last === 'string' ? last : JSON.stringify(last);
        throw new Error(await describe(name, `did not satisfy the condition within ${timeoutMs} ms; last answer: ${lastText}`));
      }
      await sleep(200);
    }
  }

  const answered = (a: unknown) => (Array.isArray(a) ? a.length > 0 : (a as { result?: number } | undefined)?.result === RESULT.success);
  // Traffic daemons: their DHCP socket must be open too (they exit when they cannot bind, but may answer for a moment first).
  type Sockets = { arguments?: { sockets?: { status?: string } } };
  const ready = (name: LabDaemon) => (a: unknown) => answered(a) && (!('dhcp' in daemonRow(name)) || (a as Sockets).arguments?.sockets?.status === 'ready');

  async function kill(name: LabDaemon): Promise<void> {
    const p = running(name);
    if (!p) return;
    p.child.kill('SIGKILL');
    await p.exit;
  }

  async function start(name: LabDaemon): Promise<void> {
    if (stopping || running(name)) throw new Error(`Kea lab: cannot start ${name}: ${stopping ? 'lab stopped' : 'already running'}`);
    if (!runnable.includes(name)) throw new Error(`Kea lab: Kea ${version} cannot run ${name}`);
    const cmd = install.command(daemonRow(name).program, ['-c', path(name).config, ...daemonArgs(ctx, name)]);
    procs.set(name, spawnTracked(cmd.file, cmd.args, env));
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

  function run(program: KeaProgram, args: string[], o: { stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    const cmd = install.command(program, args);
    return runProgram(cmd.file, cmd.args, { ...o, env: { ...process.env, ...env } });
  }

  const httpUrls = install.features.httpSockets ? Object.fromEntries(HTTP_SOCKET_DAEMONS.map((d) => [d, httpUrl(ports, d)])) : {};
  const lab: Lab = {
    version,
    install,
    dir,
    sockets: Object.fromEntries(ALL_LAB_DAEMONS.map((d) => [d, path(d).socket])) as Record<LabDaemon, string>,
    agentUrl,
    ports,
    httpUrls,
    httpAuth: { username: auth.user, password: auth.password },
    tls: pki && { url: `https://127.0.0.1:${ports.https}/`, ca: pki.caCert, clientCert: pki.clientCert, clientKey: pki.clientKey },
    configFile: (name) => path(name).config,
    logFile: (name) => path(name).log,
    ...{ command, kill, start, stop, waitFor, run },
    async perfdhcp(opts) {
      const daemon = opts.family === 6 ? 'traffic6' : 'traffic';
      if (stopping || !running(daemon)) throw new Error(`Kea lab: perfdhcp needs the '${daemon}' daemon: startLab({ daemons: [..., '${daemon}'] })`);
      const [relayPort] = await freePorts('udp', 1);
      const serverPort = opts.family === 6 ? ports.dhcp6 : ports.dhcp4;
      return perfdhcpAgainst(
        (cmd, args) => command(daemon, cmd, args),
        (a, timeoutMs) => run('perfdhcp', a, { timeoutMs }),
        opts,
        { serverPort, relayPort: relayPort! },
      );
    },
  };

  // Start everything in parallel, report every failure, never hand back a half-started lab.
  const results = await Promise.allSettled(daemons.map((name) => start(name)));
  let failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (!failures.length) failures = await settleHa(daemons, waitFor);
  if (failures.length) {
    await stop();
    throw new Error(`Kea lab ${version} failed to start (dir ${dir}):\n\n${failures.join('\n\n')}`);
  }
  return lab;
}

/** HA daemons whose partners all run must reach their settled state in every relationship, and
 * have heard their partners' settled state (a heartbeat later): otherwise two status-gets in a
 * row may differ in the partner's last-state. */
async function settleHa(daemons: LabDaemon[], waitFor: Lab['waitFor']): Promise<string[]> {
  const waiting = daemons.filter((d) => daemonRow(d).ha?.partners.every((p) => daemons.includes(p as LabDaemon)));
  type Rels = { arguments?: { 'high-availability'?: unknown[] } };
  const settled = (d: LabDaemon) => (a: unknown) => {
    const row = daemonRow(d).ha!;
    const partners = new Set(row.partners.map((p) => daemonRow(p as LabDaemon).ha?.settled));
    const n = (a as Rels).arguments?.['high-availability']?.length ?? 0;
    return (
      n > 0 &&
      Array.from({ length: n }, (_, i) => i).every((i) => {
        const remote = haRemoteState(a, i);
        return haLocalState(a, i) === row.settled && (remote === undefined || partners.has(remote));
      })
    );
  };
  const ha = await Promise.allSettled(waiting.map((d) => waitFor(d, settled(d), HA_TIMEOUT_MS)));
  return ha.flatMap((r) => (r.status === 'rejected' ? [`HA not settled: ${(r.reason as Error).message}`] : []));
}
