/** The built exporter (node dist/cli.js) as a process of its own, as the fleet benches run it,
 * and what /proc says about a process's CPU and memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exporterCommand } from './stats.js';

/** Utime+stime of a process in ms, from /proc (clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The exporter as shipped (node dist/cli.js), in its own process, so its CPU and memory are
 * its own and not the bench driver's or the fakes'. BENCH_CPU_PROF=<dir> writes a --cpu-prof
 * profile there when it stops, BENCH_EXPORTER_FLAGS adds Node flags (exporterCommand). */
export function startExporter(
  configFile: string,
  extraEnv: Record<string, string> = {},
): { proc: ChildProcess; warnings: () => number; exited: Promise<void> } {
  // BENCH_EXPORTER_CLI: another build's cli.js, for before/after runs in the same conditions.
  const cli = process.env.BENCH_EXPORTER_CLI ? resolvePath(process.env.BENCH_EXPORTER_CLI) : fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  const { argv, env: shipped } = exporterCommand(cli, process.env.BENCH_CPU_PROF);
  const env = { ...process.env, ...shipped, ...extraEnv, LOG_LEVEL: 'warn' };
  const proc = spawn(argv[0]!, [...argv.slice(1), '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  // Never outlive the bench; forgotten once gone (a full run starts more than ten exporters).
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  void exited.then(() => process.removeListener('exit', kill));
  let warnings = 0;
  proc.stdout.on('data', (d: Buffer) => {
    const lines = d.toString().split('\n');
    const warned = lines.filter((l) => /"level":(40|50)/.test(l));
    for (const l of warned.slice(0, Math.max(0, 5 - warnings))) process.stderr.write(`  exporter: ${l.slice(0, 300)}\n`);
    warnings += warned.length;
    // What the extra flags print (--trace-gc, ...): the log lines are JSON, those are not.
    if (argv.length > 1) for (const l of lines) if (l !== '' && !l.startsWith('{')) process.stderr.write(`  exporter: ${l}\n`);
  });
  proc.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  return { proc, warnings: () => warnings, exited };
}
