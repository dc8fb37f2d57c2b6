/** The npm package as users get it: `npm pack` of this tree (its prepack builds dist/), the
 * tarball installed into an empty prefix with production dependencies only, and the installed
 * `kea-telemetry` started as a process, as root or as an unprivileged uid (setpriv). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PACKAGE_JSON = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };

export interface InstalledPackage {
  /** World-readable temp dir holding everything below. */
  dir: string;
  tarball: string;
  /** Paths inside the tarball, as `npm pack --json` lists them. */
  files: string[];
  /** The installed package's directory (<prefix>/node_modules/kea-telemetry). */
  packageDir: string;
  /** <prefix>/node_modules/.bin/kea-telemetry, the link npm made. */
  bin: string;
  /** A directory with this Node.js as `node`, readable by any uid (the running one may sit under
   * a home directory of mode 0700). */
  nodeDir: string;
  /** How long `npm pack` (with its prepack build) and `npm install` took. */
  timings: { packMs: number; installMs: number };
  remove(): void;
}

function run(file: string, args: string[], cwd: string): string {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

/** npm from the directory of the Node.js running the tests when it has one there, else PATH's. */
function npm(): string {
  const beside = path.join(path.dirname(process.execPath), 'npm');
  const r = spawnSync(beside, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? beside : 'npm';
}

export function packAndInstall(): InstalledPackage {
  const dir = mkdtempSync(path.join(tmpdir(), 'kea-telemetry-pkg-'));
  chmodSync(dir, 0o755);
  try {
    const t0 = Date.now();
    const out = run(npm(), ['pack', '--json', '--pack-destination', dir, '--loglevel=error'], ROOT);
    // The prepack build prints to stdout before npm's JSON.
    const [packed] = JSON.parse(out.slice(out.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
    if (!packed) throw new Error(`npm pack printed no package: ${out.slice(-2000)}`);
    const tarball = path.join(dir, packed.filename);
    const prefix = path.join(dir, 'prefix');
    mkdirSync(prefix);
    const t1 = Date.now();
    run(npm(), ['install', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], dir);
    const timings = { packMs: t1 - t0, installMs: Date.now() - t1 };
    const nodeDir = path.join(dir, 'node-bin');
    mkdirSync(nodeDir);
    const node = path.join(nodeDir, 'node');
    try {
      linkSync(process.execPath, node); // same file system: no 120 MB copy
    } catch {
      copyFileSync(process.execPath, node);
    }
    chmodSync(node, 0o755);
    return {
      dir,
      tarball,
      files: packed.files.map((f) => f.path).sort(),
      packageDir: path.join(prefix, 'node_modules', PACKAGE_JSON.name),
      bin: path.join(prefix, 'node_modules', '.bin', 'kea-telemetry'),
      nodeDir,
      timings,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** An unprivileged identity for setpriv: no capabilities, these groups only. */
export interface RunAs {
  uid: number;
  gid: number;
  groups: number[];
}

export interface ExporterProcess {
  child: ChildProcess;
  metricsUrl: string;
  /** stdout and stderr lines so far. */
  lines: string[];
  /** Polls /metrics until `pred` holds; throws with the last body and the log. */
  until(what: string, pred: (body: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the installed bin with `config` (YAML text, written world-readable) on 127.0.0.1:port,
 * with PATH holding only `pkg.nodeDir` and the system's directories. */
export function startInstalled(pkg: InstalledPackage, config: string, port: number, as?: RunAs): ExporterProcess {
  const file = path.join(mkdtempSync(path.join(pkg.dir, 'run-')), 'config.yaml');
  chmodSync(path.dirname(file), 0o755);
  writeFileSync(file, config, { mode: 0o644 });
  const args = [pkg.bin, '--config', file, '--listen', `127.0.0.1:${port}`];
  const [cmd, ...rest] = as
    ? ['setpriv', `--reuid=${as.uid}`, `--regid=${as.gid}`, `--groups=${as.groups.join(',')}`, '--inh-caps=-all', '--bounding-set=-all', '--', ...args]
    : args;
  const env = { PATH: `${pkg.nodeDir}:/usr/local/bin:/usr/bin:/bin`, HOME: pkg.dir, LOG_LEVEL: 'info' };
  const child = spawn(cmd!, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const collect = (d: Buffer) => lines.push(...d.toString('utf8').split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  return {
    child,
    metricsUrl,
    lines,
    async until(what, pred, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let body = '';
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        body = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) }).then(
          (r) => r.text(),
          () => '',
        );
        if (pred(body)) return body;
        await new Promise((r) => setTimeout(r, 100));
      }
      const state = child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : 'running';
      throw new Error(`waiting for ${what}: the exporter is ${state}; last /metrics:\n${body.slice(0, 3000)}\n--- its output ---\n${lines.join('\n')}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code, signal] = await exited;
      return { code, signal };
    },
  };
}
