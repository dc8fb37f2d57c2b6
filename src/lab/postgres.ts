/**
 * A real PostgreSQL server for the lab (Debian's `postgresql` package), in a temp dir on loopback:
 * initdb, then `postgres` on a free TCP port of 127.0.0.1 (no UNIX socket), password
 * authentication. As root it runs as the `postgres` user (else `nobody`): PostgreSQL refuses root.
 * stop() is an outage (a fast shutdown: every client connection is cut), start() brings the same
 * cluster back on the same port.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgsqlDatabase } from './config-parts.js';
import { freePort, guardExit, ownedDirs, sleep, spawnTracked, type Proc } from './processes.js';

export interface Postgres {
  host: string;
  port: number;
  /** The cluster's superuser, which the lab's Kea daemons log in as. */
  user: string;
  /** Creates database `name` and loads `schemaFile` into it (a Kea version's dhcpdb_create.pgsql). */
  createDatabase(name: string, schemaFile: string): Promise<PgsqlDatabase>;
  /** Fast shutdown: clients are disconnected, the data stays. */
  stop(): Promise<void>;
  /** The same cluster again, on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

const ROOT = '/usr/lib/postgresql';
const READY_TIMEOUT_MS = 30_000;
const USER = 'kea';

/** The newest PostgreSQL server installed (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBin(): string {
  const majors = existsSync(ROOT) ? readdirSync(ROOT).filter((v) => /^\d+$/.test(v) && existsSync(join(ROOT, v, 'bin/postgres'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`PostgreSQL server not found in ${ROOT}/<version>/bin; install Debian's postgresql package (scripts/test.sh does)`);
  return join(ROOT, newest, 'bin');
}

/** Who runs the server: ourselves, or as root an unprivileged user from /etc/passwd. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const rows = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'));
  const row = rows.find((r) => r[0] === 'postgres') ?? rows.find((r) => r[0] === 'nobody');
  if (!row) throw new Error('PostgreSQL refuses to run as root, and /etc/passwd has neither a postgres nor a nobody user');
  return { uid: Number(row[2]), gid: Number(row[3]) };
}

function run(file: string, args: string[], o: { env?: Record<string, string>; as?: { uid: number; gid: number } } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, ...o.env }, timeout: 60_000, maxBuffer: 1 << 20, ...o.as }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  const as = serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'kea-pg-'));
  ownedDirs.add(dir);
  guardExit();
  if (as) await chown(dir, as.uid, as.gid);
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (as) await chown(pwfile, as.uid, as.gid);
  const data = join(dir, 'data');
  const args = ['-D', data, '-U', USER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'];
  await run(join(bin, 'initdb'), args, { ...(as && { as }) });
  await rm(pwfile);

  const port = await freePort('tcp');
  const host = '127.0.0.1';
  // A test database: no durability, no UNIX socket, little memory.
  const settings = {
    listen_addresses: host,
    port,
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: '16MB',
    max_connections: 40,
  };
  const serverArgs = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const client = { PGPASSWORD: password, PGOPTIONS: '-c client_min_messages=warning', PGCONNECT_TIMEOUT: '5' };
  const psql = (db: string, more: string[]) =>
    run(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', USER, '-d', db, ...more], { env: client });
  let proc: Proc | undefined;

  async function start(): Promise<void> {
    if (proc && !proc.exited) throw new Error('lab PostgreSQL: already running');
    const p = spawnTracked(join(bin, 'postgres'), serverArgs, {}, as);
    proc = p;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (p.exited) throw new Error(`lab PostgreSQL (${bin}/postgres) exited with code ${p.exited.code}:\n${p.output.join('\n')}`);
      const ready = await run(join(bin, 'pg_isready'), ['-q', '-h', host, '-p', String(port)]).then(
        () => true,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`lab PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms:\n${p.output.join('\n')}`);
      }
      await sleep(100);
    }
  }

  async function stop(): Promise<void> {
    const p = proc;
    if (!p || p.exited) return;
    p.child.kill('SIGINT'); // fast shutdown: open sessions are terminated
    const hard = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await p.exit;
    clearTimeout(hard);
  }

  await start();
  return {
    host,
    port,
    user: USER,
    async createDatabase(name, schemaFile) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`lab PostgreSQL: database name ${name} is not a plain identifier`);
      await psql('postgres', ['-c', `CREATE DATABASE ${name}`]);
      await psql(name, ['-f', schemaFile]);
      return { host, port, name, user: USER, password };
    },
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
      ownedDirs.delete(dir);
    },
  };
}
