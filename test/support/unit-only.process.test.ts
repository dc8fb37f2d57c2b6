import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const guard = new URL('./guard.ts', import.meta.url).pathname;
const unitOnly = new URL('./unit-only.ts', import.meta.url).pathname;

/** Runs one test file as `npm run test:unit` does; returns its exit status and output. */
function runUnit(body: string): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'unit-only-'));
  try {
    const file = join(dir, 'x.test.mjs');
    writeFileSync(file, `import { test } from 'node:test';\nimport cp, { execFileSync, spawnSync } from 'node:child_process';\n${body}\n`);
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // a runner of its own, not a subtest of this one
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', guard, '--import', unitOnly, '--test', file], {
      encoding: 'utf8',
      timeout: 30_000,
      env,
    });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a unit test that starts promtool, Kea, helm or Node fails, saying where it belongs', () => {
  for (const start of [
    "execFileSync('promtool', ['--version'])",
    "spawnSync('/usr/sbin/kea-dhcp4', ['-v'])",
    "cp.execSync('helm version')",
    "cp.spawn('prometheus', ['--version'])",
    "execFileSync(process.execPath, ['-e', '0'])",
  ]) {
    const r = runUnit(`test('t', () => { ${start}; });`);
    assert.notEqual(r.status, 0, `${start}\n${r.out}`);
    assert.match(r.out, /a unit test started (promtool|kea-dhcp4|helm|prometheus|node): unit tests start no program/, start);
    assert.match(r.out, /<name>\.promtool\.test\.ts/);
  }
});

test('openssl and mkfifo, the makers of fixtures, are allowed', () => {
  const r = runUnit(`test('t', () => {
  if (spawnSync('openssl', ['version']).status !== 0) throw new Error('openssl');
  execFileSync('mkfifo', ['--version']);
});`);
  assert.equal(r.status, 0, r.out);
});
