/** The npm package works as a package: `npm pack` ships dist/ (every module the build makes from
 * src/, no test, no lab) beside package.json, README, LICENSE, the changelog, the docs and packaging/; the tarball installed into an
 * empty prefix (production dependencies only) runs as `kea-telemetry` against a real kea-dhcp4
 * 2.2 on a UNIX socket until kea_up is 1, and exits 0 on SIGTERM; --version is package.json's;
 * on a too-old Node the installed bin says so in one line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startLab, type Lab } from '../../src/lab/lab.js';
import { PACKAGE_JSON, ROOT, packAndInstall, startInstalled, type InstalledPackage } from '../support/installed-package.js';

let pkg: InstalledPackage;
let lab: Lab;
const timings: Record<string, number> = {};

before(
  async () => {
    pkg = packAndInstall();
    Object.assign(timings, pkg.timings);
    lab = await startLab({ version: '2.2', daemons: ['leases'] });
  },
  { timeout: 180_000 },
);
after(async () => {
  console.log(`npm package timings: ${JSON.stringify(timings)}`);
  await lab?.stop();
  pkg?.remove();
});

/** What tsconfig.build.json compiles: src/**\/*.ts but tests and the lab. */
function builtModules(dir = path.join(ROOT, 'src'), rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return r === 'lab' ? [] : builtModules(path.join(dir, e.name), r);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [r.replace(/\.ts$/, '')] : [];
  });
}

test('the tarball holds every built module of src/ and its map, package.json, README.md, LICENSE, CHANGELOG.md, SECURITY.md, docs/ and packaging/, nothing else', () => {
  const modules = builtModules();
  assert.ok(modules.includes('cli') && modules.includes('transport/unix'), 'the walk found the sources');
  const dist = modules.flatMap((m) => [`dist/${m}.js`, `dist/${m}.js.map`]);
  const packaging = readdirSync(path.join(ROOT, 'packaging', 'systemd')).map((f) => `packaging/systemd/${f}`);
  // docs/: the README's links work in the installed package too.
  const docs = readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`);
  const expected = [...dist, ...docs, ...packaging, 'CHANGELOG.md', 'LICENSE', 'README.md', 'SECURITY.md', 'package.json'].sort();
  assert.deepEqual(pkg.files, expected);
  assert.ok(!pkg.files.some((f) => /\.test\.|(^|\/)(lab|test|bench|src)\//.test(f)), 'no test, lab, bench or source file');
});

test('the installed bin runs against a real kea-dhcp4 2.2 on its UNIX socket: kea_up 1, then SIGTERM exits 0', async () => {
  const port = await freePort('tcp');
  const config = `poll: { interval: 1s, timeout: 500ms }\nstatistics: { enabled: false }\ntargets:\n  - { name: lab-dhcp4, socket: "${lab.sockets.leases}", daemon: dhcp4 }\n`;
  const t0 = Date.now();
  const exporter = startInstalled(pkg, config, port);
  try {
    const body = await exporter.until('kea_up 1', (b) => b.includes('kea_up{target="lab-dhcp4",daemon="dhcp4"} 1'));
    timings.firstUpMs = Date.now() - t0;
    assert.match(body, new RegExp(`kea_exporter_build_info\\{[^}]*version="${PACKAGE_JSON.version.replace(/\./g, '\\.')}"`));
    assert.match(body, /kea_version_info\{target="lab-dhcp4",daemon="dhcp4",version="2\.2\.\d+"/);
  } finally {
    const exit = await exporter.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, exporter.lines.join('\n'));
  }
  assert.ok(
    exporter.lines.some((l) => l.includes('"shutting down"')),
    exporter.lines.join('\n'),
  );
});

test("the installed bin's --version is package.json's version", () => {
  const r = spawnSync(pkg.bin, ['--version'], { encoding: 'utf8', env: { PATH: `${pkg.nodeDir}:/usr/bin:/bin` } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${PACKAGE_JSON.version}\n`);
});

test('on a too-old Node (the system /usr/bin/node) the installed bin prints one line and exits 1', () => {
  const old = '/usr/bin/node';
  const version = spawnSync(old, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  assert.equal(version.status, 0, `this test needs the system's ${old}: ${version.error?.message ?? version.stderr}`);
  const major = Number(version.stdout.split('.')[0]);
  assert.ok(major < 24, `${old} is ${version.stdout.trim()}: this test needs one older than Node 24`);
  // The bin as users start it: its `#!/usr/bin/env -S node ...` line finds the old node first.
  const r = spawnSync(pkg.bin, ['--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `kea-telemetry needs Node.js 24 or newer; ${old} is ${version.stdout.trim()}\n`);
});
