import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const guard = new URL('./guard.ts', import.meta.url).pathname;

/** Runs one test file the way scripts/test.sh does; returns its exit status and output. */
function runFile(body: string): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'guard-'));
  try {
    const file = join(dir, 'x.test.mjs');
    writeFileSync(file, `import { test } from 'node:test';\n${body}\n`);
    // Without NODE_TEST_CONTEXT the child is a runner of its own, not a subtest of this one.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', guard, '--test', file], { encoding: 'utf8', timeout: 30_000, env });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a rejection nobody handles, after its test ended, fails the file', () => {
  const r = runFile(`test('a', () => { setTimeout(() => { Promise.reject(new Error('late boom')); }, 20); });
test('b', async () => { await new Promise((r) => setTimeout(r, 200)); });`);
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /test guard: unhandledRejection: Error: late boom/);
});

test('an exception thrown from a timer fails the file', () => {
  const r = runFile(`test('a', () => { setTimeout(() => { throw new Error('timer boom'); }, 20); });
test('b', async () => { await new Promise((r) => setTimeout(r, 200)); });`);
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /test guard: uncaughtException: Error: timer boom/);
});

test('a clean file passes', () => {
  const r = runFile(`test('a', async () => { await Promise.resolve(); });`);
  assert.equal(r.status, 0, r.out);
});
