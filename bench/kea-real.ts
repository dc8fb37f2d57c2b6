/** Starts one real kea-dhcp4 2.2 (no DHCP sockets, no hooks) in a temp dir, for the overhead bench. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './stats.js';

export interface RealKea {
  socket: string;
  version: string;
  stop(): Promise<void>;
}

const KEA_DHCP4 = '/usr/sbin/kea-dhcp4';

/** One command per connection, read to EOF (start-up probe only). */
function ask(path: string, command: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.createConnection(path, () => s.write(JSON.stringify({ command })));
    s.setTimeout(2000, () => s.destroy(new Error('timeout')));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch (e) { reject(e); }
    });
  });
}

export async function startRealKea(): Promise<RealKea> {
  const dir = await mkdtemp(join(tmpdir(), 'kea-bench-'));
  const socket = join(dir, 'kea4.sock');
  const log = join(dir, 'kea4.log');
  const config = {
    Dhcp4: {
      'interfaces-config': { interfaces: [] },
      'control-socket': { 'socket-type': 'unix', 'socket-name': socket },
      'lease-database': { type: 'memfile', persist: false },
      'valid-lifetime': 7200,
      subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.10 - 192.0.2.200' }] }],
      // WARN: command receipts are not logged, so logging does not weigh on the round trip.
      loggers: [{ name: 'kea-dhcp4', severity: 'WARN', output_options: [{ output: log }] }],
    },
  };
  await writeFile(join(dir, 'kea4.json'), JSON.stringify(config, null, 2));
  const child = spawn(KEA_DHCP4, ['-c', join(dir, 'kea4.json')], {
    env: { ...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, 'exit');
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill); // never outlive the bench

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const hard = setTimeout(kill, 3000);
      await exited;
      clearTimeout(hard);
    }
    process.removeListener('exit', kill);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const v = (await ask(socket, 'version-get')) as { result: number; text?: string };
      if (v.result === 0) return { socket, version: v.text ?? '?', stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = await readFile(log, 'utf8').catch(() => '');
      await stop();
      throw new Error(`kea-dhcp4 did not start (exit ${child.exitCode}):\n${stderr}\n${tail}`);
    }
    await sleep(100);
  }
}
