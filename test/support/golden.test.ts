import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertGolden } from './golden.js';

function golden(text: string): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'golden-'));
  const file = join(dir, 'x.prom');
  writeFileSync(file, text);
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('equal passes; a difference fails and names the way to update', () => {
  const g = golden('a 1\n');
  try {
    assertGolden(g.file, 'a 1\n', {});
    assert.throws(() => assertGolden(g.file, 'a 2\n', {}), /x\.prom differs: run with UPDATE_GOLDEN=1/);
    assert.equal(readFileSync(g.file, 'utf8'), 'a 1\n');
  } finally {
    g.done();
  }
});

test('UPDATE_GOLDEN rewrites the file outside CI', () => {
  const g = golden('a 1\n');
  try {
    for (const CI of [undefined, '', 'false', '0']) {
      assertGolden(g.file, `a ${CI ?? 'unset'}\n`, { UPDATE_GOLDEN: '1', CI });
      assert.equal(readFileSync(g.file, 'utf8'), `a ${CI ?? 'unset'}\n`);
    }
  } finally {
    g.done();
  }
});

test('UPDATE_GOLDEN is refused under CI: the file is left as it was, even when the output matches', () => {
  const g = golden('a 1\n');
  try {
    for (const CI of ['true', '1']) {
      assert.throws(() => assertGolden(g.file, 'a 2\n', { UPDATE_GOLDEN: '1', CI }), /UPDATE_GOLDEN is refused under CI/);
      assert.throws(() => assertGolden(g.file, 'a 1\n', { UPDATE_GOLDEN: '1', CI }), /UPDATE_GOLDEN is refused under CI/);
      assert.equal(readFileSync(g.file, 'utf8'), 'a 1\n');
    }
  } finally {
    g.done();
  }
});
