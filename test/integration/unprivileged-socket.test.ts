/** Debian's Kea sockets and an unprivileged exporter, with real Kea (kea-dhcp4 2.2) and the
 * installed package (test/support/installed-package.ts) run as uid 65534 without capabilities
 * (setpriv). Kea creates its control socket with its process umask: under Debian's default 0022
 * it is srwxr-xr-x and the exporter gets EACCES (kea_up 0, reason connect, the log says what to
 * fix); restarted under umask 0002 (the UMask=0002 drop-in) it is srwxrwxr-x and a member of the
 * socket's group reads it (kea_up 1); without that group, EACCES again.
 *
 * Kea runs as root here, so its socket's group is root's: the test gives the socket to a group G
 * of its own (a free numeric gid, no group created) after each start, as Kea running as _kea
 * creates it with group _kea. The socket directory is 0755, as Debian's RuntimeDirectory /run/kea. */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { socketDir } from '../../src/lab/daemons.js';
import { freePort, startLab, type Lab } from '../../src/lab/lab.js';
import { SOCKET_PERMISSION_HINTS } from '../../src/transport/unix-connect.js';
import { packAndInstall, startInstalled, type InstalledPackage, type RunAs } from '../support/installed-package.js';

const NOBODY = 65534;
const UP = 'kea_up{target="lab-dhcp4",daemon="dhcp4"}';

let pkg: InstalledPackage;
let lab: Lab;
let labDir: string;
let group: number;
const timings: Record<string, number> = {};

/** A gid no entry of /etc/group uses. */
function freeGid(): number {
  const used = new Set(
    readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((l) => Number(l.split(':')[2])),
  );
  for (let gid = 64_000; gid < 65_000; gid++) if (!used.has(gid)) return gid;
  throw new Error('no free gid in 64000-64999');
}

/** Starts (or restarts) the lab's kea-dhcp4 under `umask`, then gives its socket to group G. */
async function startKea(umask: number, restart: boolean): Promise<number> {
  const old = process.umask(umask);
  try {
    if (restart) {
      await lab.kill('leases');
      await lab.start('leases');
    } else lab = await startLab({ version: '2.2', daemons: ['leases'], dir: labDir });
  } finally {
    process.umask(old);
  }
  chmodSync(socketDir(labDir), 0o755);
  chownSync(lab.sockets.leases, 0, group);
  return statSync(lab.sockets.leases).mode & 0o777;
}

before(
  async () => {
    group = freeGid();
    pkg = packAndInstall();
    Object.assign(timings, pkg.timings);
    labDir = mkdtempSync(path.join(tmpdir(), 'kea-unpriv-'));
    chmodSync(labDir, 0o755);
  },
  { timeout: 180_000 },
);
after(async () => {
  console.log(`unprivileged socket timings: ${JSON.stringify(timings)}`);
  await lab?.stop();
  if (labDir) rmSync(labDir, { recursive: true, force: true });
  pkg?.remove();
});

/** One run of the installed exporter as `as` until `want` shows on /metrics; its body and log. */
async function exporterRun(as: RunAs, want: string): Promise<{ body: string; lines: string[]; landing: string }> {
  const port = await freePort('tcp');
  const config = `poll: { interval: 1s, timeout: 500ms }\nstatistics: { enabled: false }\ntargets:\n  - { name: lab-dhcp4, socket: "${lab.sockets.leases}", daemon: dhcp4 }\n`;
  const exporter = startInstalled(pkg, config, port, as);
  try {
    const body = await exporter.until(want, (b) => b.includes(want));
    const landing = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    return { body, lines: exporter.lines, landing };
  } finally {
    const exit = await exporter.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, exporter.lines.join('\n'));
  }
}

/** The "daemon is down" log lines' err texts. */
const downErrors = (lines: string[]): string[] =>
  lines.flatMap((l) => {
    if (!l.startsWith('{')) return [];
    const j = JSON.parse(l) as { msg?: string; err?: string };
    return j.msg === 'daemon is down' && j.err ? [j.err] : [];
  });

function assertRefused(run: { body: string; lines: string[]; landing: string }): void {
  assert.match(run.body, /kea_exporter_command_errors_total\{target="lab-dhcp4",daemon="dhcp4",command="[a-z-]+",reason="connect"\} [1-9]/);
  const errs = downErrors(run.lines);
  assert.ok(errs.length > 0, `no "daemon is down" line:\n${run.lines.join('\n')}`);
  assert.match(errs[0]!, new RegExp(`^[a-z-]+ on ${lab.sockets.leases.replace(/[.]/g, '\\.')}: EACCES: `));
  assert.ok(errs[0]!.endsWith(`EACCES: ${SOCKET_PERMISSION_HINTS.EACCES}`), errs[0]);
  // What anyone can read names neither the socket nor the hint: the code and its description only.
  for (const text of [run.body, run.landing]) {
    assert.ok(!text.includes(lab.sockets.leases) && !text.includes('UMask'), text.slice(0, 2000));
  }
}

test("Kea under Debian's umask 0022: the socket is 0755 and the unprivileged exporter, though in its group, gets EACCES with the fix", async () => {
  const t0 = Date.now();
  assert.equal((await startKea(0o022, false)).toString(8), '755');
  const run = await exporterRun({ uid: NOBODY, gid: NOBODY, groups: [group] }, `${UP} 0`);
  timings.umask022Ms = Date.now() - t0;
  assertRefused(run);
  console.log(`the log's err: ${downErrors(run.lines)[0]}`);
});

test('Kea restarted under umask 0002: the socket is 0775 and the exporter in its group reads it (kea_up 1)', async () => {
  const t0 = Date.now();
  assert.equal((await startKea(0o002, true)).toString(8), '775');
  const run = await exporterRun({ uid: NOBODY, gid: NOBODY, groups: [group] }, `${UP} 1`);
  timings.umask002Ms = Date.now() - t0;
  assert.deepEqual(downErrors(run.lines), []);
});

test('the same 0775 socket, the exporter not in its group: EACCES with the fix', async () => {
  assert.equal((statSync(lab.sockets.leases).mode & 0o777).toString(8), '775');
  const run = await exporterRun({ uid: NOBODY, gid: NOBODY, groups: [NOBODY] }, `${UP} 0`);
  assertRefused(run);
});
