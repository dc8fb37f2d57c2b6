/** The exporter as its own process for the storm: `node <the CLI's shebang flags> src/cli.ts`
 * through tsx (tests) or `dist/cli.js` as built (bench), under a given open-files limit,
 * with its stdout and stderr kept for the secret and crash checks, its RSS readable from /proc
 * and a SIGTERM stop that reports how it ended. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shebang } from '../shebang.js';

export type ExporterBuild = 'tsx' | 'dist';

export interface ExporterProcess {
  readonly pid: number;
  readonly proc: ChildProcess;
  /** Everything it wrote so far (bounded: the last LOG_KEEP_BYTES of each stream). */
  stdout(): string;
  stderr(): string;
  /** Set once it exited (during the run it must not). */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; how it ended and whether it needed the SIGKILL. */
  stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }>;
}

/** Far above what a storm writes (~1 MB of audit lines); keeps a runaway logger bounded. */
const LOG_KEEP_BYTES = 64 * 1024 * 1024;
const ROOT = new URL('../../../', import.meta.url);

/** Argv (after `node`) that starts the exporter with `configFile`. */
function cliArgs(build: ExporterBuild, configFile: string): string[] {
  const file = fileURLToPath(new URL(build === 'tsx' ? 'src/cli.ts' : 'dist/cli.js', ROOT));
  const loader = build === 'tsx' ? ['--import', 'tsx'] : [];
  return [...shebang(file).flags, ...loader, file, '--config', configFile];
}

/** Starts the exporter, with at most `nofile` open files if given (sh's ulimit, then exec: the
 * pid is node's own), soft and hard: Node raises its soft limit to the hard one at start-up.
 * Without it, the limit is inherited. `env` is added to this process' environment. */
export function startExporter(o: { build: ExporterBuild; configFile: string; nofile: number | undefined; env: Record<string, string> }): ExporterProcess {
  const script = `${o.nofile === undefined ? '' : `ulimit -n ${o.nofile} && `}exec "$0" "$@"`;
  const proc = spawn('/bin/sh', ['-c', script, process.execPath, ...cliArgs(o.build, o.configFile)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...shebang(fileURLToPath(new URL('src/cli.ts', ROOT))).env, ...o.env, LOG_LEVEL: 'info' },
    cwd: fileURLToPath(ROOT),
  });
  if (proc.pid === undefined) throw new Error('storm: could not spawn the exporter');
  const kill = () => proc.kill('SIGKILL'); // never outlive the test or bench
  process.once('exit', kill);
  const out = { stdout: '', stderr: '' };
  const keep = (k: keyof typeof out) => (d: Buffer) => {
    out[k] += d.toString('utf8');
    if (out[k].length > LOG_KEEP_BYTES) out[k] = out[k].slice(-LOG_KEEP_BYTES);
  };
  proc.stdout.on('data', keep('stdout'));
  proc.stderr.on('data', keep('stderr'));
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      ended = { code, signal };
      process.removeListener('exit', kill);
      resolve();
    }),
  );
  return {
    pid: proc.pid,
    proc,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited: () => ended,
    async stop(graceMs) {
      if (ended) return { ...ended, killed: false };
      proc.kill('SIGTERM');
      let killed = false;
      const hard = setTimeout(() => {
        killed = true;
        proc.kill('SIGKILL');
      }, graceMs);
      await exit;
      clearTimeout(hard);
      return { ...ended!, killed };
    },
  };
}

/** VmRSS of a live process in bytes; undefined once it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Descriptors the process holds now (entries of /proc/<pid>/fd); undefined once it is gone. */
export function openFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** The soft "Max open files" of a live process (/proc/<pid>/limits): a number or "unlimited". */
export function nofileOf(pid: number): string | undefined {
  try {
    return /^Max open files\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
