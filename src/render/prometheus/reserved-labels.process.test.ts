/** The CLI (a process) hands the reserved label names to the config loader. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../cli.ts', import.meta.url));
const config = (label: string): string => `targets:\n  - name: a\n    socket: /run/a.sock\n    labels:\n      site: x\n      ${label}: x\n`;

let dir = '';
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'reserved-labels-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the CLI hands them to the loader: --check-config refuses `context` (kea-exporter naming sets it)', () => {
  const file = path.join(dir, 'context.yaml');
  writeFileSync(file, config('context'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, '--config', file, '--check-config'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout);
  assert.match(
    r.stderr,
    new RegExp(`${file.replace(/[.]/g, '\\.')}: targets\\[0\\]\\.labels\\.context: label name "context" is reserved: the exporter sets it itself \\(line 6\\)`),
  );
});
