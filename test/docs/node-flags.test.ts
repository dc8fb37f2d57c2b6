/** Where the docs tell an operator to start node themselves (the image, a systemd override),
 * they give the bin's own shebang flags and malloc settings: a doc that kept an old flag set
 * once told systemd users to run with a heap growth step the exporter no longer ships. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shebang } from '../support/shebang.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test("every node command line in docs/deployment.md carries the bin's flags, and the malloc settings are given with it", () => {
  const bin = shebang(path.join(ROOT, 'src/cli.ts'));
  const text = readFileSync(path.join(ROOT, 'docs/deployment.md'), 'utf8');
  const lines = [...text.matchAll(/\bnode((?: --[\w-]+(?:=\S+)?)+) \S*dist\/cli\.js/g)];
  assert.ok(lines.length >= 2, 'the image and the systemd override');
  for (const m of lines) assert.deepEqual(m[1]!.trim().split(' '), bin.flags, m[0]);
  const settings = Object.entries(bin.env).map(([k, v]) => `${k}=${v}`);
  assert.ok(settings.length > 0);
  const given = [...text.matchAll(/MALLOC_ARENA_MAX=\S+ MALLOC_MMAP_THRESHOLD_=[0-9]+/g)].map((m) => m[0]);
  assert.ok(given.length >= lines.length, 'the malloc settings beside each command line');
  for (const g of given) assert.equal(g, settings.join(' '));
});
