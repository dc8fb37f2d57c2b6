import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CAPTURES_DIR, CAPTURE_VERSIONS, captures } from './captures.js';

/** The shared captures beside the project: <repo>/../shared/kea, in a developer's workspace and
 * in CI's clone alike. Never skipped: without them nothing vouches for the copies here. */
const SHARED = fileURLToPath(new URL('../../../shared/kea/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/kea/', import.meta.url));

test('the shared captures are found relative to the project', () => {
  assert.ok(existsSync(SHARED), `shared captures not found at ${SHARED} (clone them to ../shared beside the repo, as CI does)`);
  for (const v of CAPTURE_VERSIONS) assert.ok(readdirSync(`${SHARED}${v}`).length > 0, v);
});

test('test/fixtures/kea/2.2.0 is byte-identical to the shared 2.2.0 captures, all of them', () => {
  const shared = readdirSync(`${SHARED}2.2.0`);
  assert.deepEqual(readdirSync(`${FIXTURES}2.2.0`).sort(), [...shared].sort());
  for (const f of shared) assert.deepEqual(readFileSync(`${FIXTURES}2.2.0/${f}`), readFileSync(`${SHARED}2.2.0/${f}`), f);
});

test('every capture here is byte-identical to its shared original; every shared config-get and list-commands is here', () => {
  for (const v of CAPTURE_VERSIONS) {
    const here = readdirSync(`${CAPTURES_DIR}${v}`);
    for (const f of here) assert.deepEqual(readFileSync(`${CAPTURES_DIR}${v}/${f}`), readFileSync(`${SHARED}${v}/${f}`), `${v}/${f}`);
    const wanted = readdirSync(`${SHARED}${v}`).filter((f) => /\.(config-get|list-commands)\.json$/.test(f));
    for (const f of wanted) assert.ok(here.includes(f), `${v}/${f} missing`);
  }
});

test('captures(): config-get and list-commands of every version, arguments unwrapped', () => {
  const configs = captures('config-get');
  const lists = captures('list-commands');
  assert.equal(configs.length, 25);
  assert.equal(lists.length, 15);
  for (const v of CAPTURE_VERSIONS) assert.ok(configs.some((c) => c.version === v) && lists.some((c) => c.version === v), v);
  for (const c of configs) assert.equal(typeof c.args, 'object', c.file);
  for (const c of lists) assert.ok(Array.isArray(c.args), c.file);
});
